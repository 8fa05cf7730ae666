"""Endoscopic lesion data: classes ``normal`` and ``lesion`` (paper
section 4.1, Table 1), e.g. Kvasir-SEG -> CVC-ClinicDB as converted by
``tools/convert_datasets/polyp.py``."""
from mmseg.registry import DATASETS

from .weak_seg_dataset import WeakSegDataset

LESION_CLASSES = ('normal', 'lesion')
LESION_PALETTE = [[120, 120, 120], [220, 40, 40]]


@DATASETS.register_module()
class LesionSegDataset(WeakSegDataset):
    """Two classes, normal mucosa and lesion; JPEG images, PNG masks.

    Args: as :class:`WeakSegDataset`.
    """

    METAINFO = dict(classes=LESION_CLASSES, palette=LESION_PALETTE)

    def __init__(self,
                 img_suffix: str = '.jpg',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
