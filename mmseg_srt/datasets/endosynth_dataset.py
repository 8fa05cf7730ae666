"""The EndoSynth dataset class: pixel-labelled splits of the embedded data.

Reads the layout written by :func:`mmseg_srt.datasets.generate_endosynth`
(``<domain>/images``, ``<domain>/masks``, one split file per split), and
writes it first if ``data_root`` does not exist yet.
"""
import os.path as osp

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .endosynth import CLASSES, META_FILE, PALETTE, generate_endosynth


@DATASETS.register_module()
class EndoSynthDataset(BaseSegDataset):
    """Two classes, ``normal`` and ``lesion``; PNG images and masks.

    Args:
        data_root: Folder of the generated data.
        generate_if_missing: Generate the default EndoSynth (seed 0) into
            ``data_root`` when it holds none yet (data made with other
            settings by :func:`generate_endosynth` is used as it is).
        **kwargs: As for :class:`mmseg.datasets.BaseSegDataset`.
    """

    METAINFO = dict(classes=CLASSES, palette=PALETTE)

    def __init__(self,
                 data_root: str = 'data/endosynth',
                 generate_if_missing: bool = True,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        if generate_if_missing and not osp.isfile(
                osp.join(data_root, META_FILE)):
            generate_endosynth(data_root)
        super().__init__(
            data_root=data_root,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
