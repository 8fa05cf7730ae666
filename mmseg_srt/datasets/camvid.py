"""CamVid (Brostow et al. 2009) in the SegNet tutorial's 11 classes, as
converted by ``tools/convert_datasets/camvid.py``: day drives as the source
(pixel labels), the dusk drive 0001TP as the target (image-level labels for
training, pixel labels for evaluation)."""
from mmseg.registry import DATASETS

from .weak_seg_dataset import WeakSegDataset

CAMVID_CLASSES = ('sky', 'building', 'pole', 'road', 'pavement', 'tree',
                  'signsymbol', 'fence', 'car', 'pedestrian', 'bicyclist')
# The SegNet tutorial's colours.
CAMVID_PALETTE = [[128, 128, 128], [128, 0, 0], [192, 192, 128],
                  [128, 64, 128], [60, 40, 222], [128, 128, 0],
                  [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                  [0, 128, 192]]


@DATASETS.register_module()
class CamVidDataset(WeakSegDataset):
    """The 11 CamVid classes; JPEG images, PNG label maps with void as 255.

    Args: as :class:`WeakSegDataset`.
    """

    METAINFO = dict(classes=CAMVID_CLASSES, palette=CAMVID_PALETTE)

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
