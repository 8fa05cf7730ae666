"""The EndoSynth dataset class: the embedded data, generated on first use.

Reads the layout written by :func:`mmseg_srt.datasets.generate_endosynth`
(the :class:`WeakSegDataset` layout) and writes it first if ``data_root``
holds none yet.
"""
import os.path as osp

from mmseg.registry import DATASETS

from .endosynth import META_FILE, generate_endosynth
from .lesion_dataset import LesionSegDataset


@DATASETS.register_module()
class EndoSynthDataset(LesionSegDataset):
    """EndoSynth: normal/lesion, PNG images and masks.

    Args:
        data_root: Folder of the generated data.
        generate_if_missing: Generate the default EndoSynth (seed 0) into
            ``data_root`` when it holds none yet (data made with other
            settings by :func:`generate_endosynth` is used as it is).
        **kwargs: As for :class:`WeakSegDataset`.
    """

    def __init__(self,
                 data_root: str = 'data/endosynth',
                 generate_if_missing: bool = True,
                 img_suffix: str = '.png',
                 **kwargs) -> None:
        if generate_if_missing and not osp.isfile(
                osp.join(data_root, META_FILE)):
            generate_endosynth(data_root)
        super().__init__(data_root=data_root, img_suffix=img_suffix, **kwargs)
