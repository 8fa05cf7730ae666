"""Rows of a target frame whose pseudo labels weigh nothing (DAFormer's
pseudo-weight crop, ``psweight_ignore_top`` / ``_bottom``; not in the
paper).

Cityscapes frames show the ego vehicle's bonnet at the bottom and
rectification borders at the top; their annotation calls them void, so no
test pixel scores them, but a teacher still labels them, often as a class
they reflect (sky on the bonnet), and self-training spreads that class into
the road next to them. DAFormer zeroes the pseudo-label weights of the top 15
and bottom 120 rows of its 512-row Cityscapes frames; ``top`` and ``bottom``
here are shares of the frame's height (15 / 512 and 120 / 512 for the same
rows), so the region follows any resize.
"""
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class IgnorePseudoLabelRows(BaseTransform):
    """Mark the top and bottom rows of the frame as rows whose pseudo labels
    weigh nothing.

    Place it after resizing and flipping (rows are shares of the height the
    image has then, and a horizontal flip keeps rows) and before
    ``RandomCrop``, which crops the map with the image. ``PackSRTInputs``
    packs it; ``SRTAdapter`` multiplies the pseudo labels' weights by it.

    Required Keys:

    - img

    Modified Keys:

    - seg_fields: gains ``gt_pseudo_label_weight``

    Added Keys:

    - gt_pseudo_label_weight (np.ndarray): (H, W) uint8, 0 on the rows
      ignored, 1 elsewhere

    Args:
        top: Share of the frame's height ignored at the top, in [0, 1).
        bottom: Share ignored at the bottom, in [0, 1); top + bottom < 1.
    """

    def __init__(self, top: float = 0.0, bottom: float = 0.0) -> None:
        if not (0 <= top < 1 and 0 <= bottom < 1 and top + bottom < 1):
            raise ValueError('IgnorePseudoLabelRows: top and bottom must be '
                             'in [0, 1) with top + bottom < 1, got '
                             f'{top} and {bottom}')
        self.top = float(top)
        self.bottom = float(bottom)

    def transform(self, results: dict) -> dict:
        height, width = results['img'].shape[:2]
        weight = np.ones((height, width), dtype=np.uint8)
        weight[:int(round(self.top * height))] = 0
        weight[height - int(round(self.bottom * height)):] = 0
        results['gt_pseudo_label_weight'] = weight
        results.setdefault('seg_fields', [])
        if 'gt_pseudo_label_weight' not in results['seg_fields']:
            results['seg_fields'].append('gt_pseudo_label_weight')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(top={self.top}, '
                f'bottom={self.bottom})')
