"""Image-level labels in the data pipeline (paper section 3.1, Eq. 2).

``ImageLabelsFromSegMap`` derives a source image's labels ``y_sc`` from its
pixel labels; ``ImageLabelsOfCrop`` keeps a target frame's labels true for
a crop of it; ``PackSRTInputs`` packs them, as a multi-hot vector, beside
what mmseg's ``PackSegInputs`` packs.
"""
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

from .weak_seg_dataset import check_seg_map_values


@TRANSFORMS.register_module()
class ImageLabelsFromSegMap(BaseTransform):
    """Image-level labels = the classes present in the segmentation map.

    Place it after geometric transforms (crop, resize) so the labels describe
    the crop the network sees, not the whole image.

    Required Keys:

    - gt_seg_map
    - num_classes (optional): when given, a value that is neither a class
      nor ``ignore_index`` raises an error naming ``seg_map_path``

    Added Keys:

    - gt_image_labels (list[int]): sorted class indices present
    - gt_image_labels_unknown (list[int]): classes with fewer than
      ``min_pixels`` pixels but at least one: neither present nor absent

    Args:
        ignore_index: Label value that is not a class.
        min_pixels: A class counts as present from this many pixels on.
    """

    def __init__(self, ignore_index: int = 255, min_pixels: int = 1) -> None:
        self.ignore_index = ignore_index
        self.min_pixels = min_pixels

    def transform(self, results: dict) -> dict:
        seg_map = results['gt_seg_map']
        values, counts = np.unique(seg_map, return_counts=True)
        if 'num_classes' in results:
            check_seg_map_values(values, results['num_classes'],
                                 self.ignore_index,
                                 results.get('seg_map_path'))
        is_class = values != self.ignore_index
        present = is_class & (counts >= self.min_pixels)
        results['gt_image_labels'] = [int(v) for v in values[present]]
        results['gt_image_labels_unknown'] = [
            int(v) for v in values[is_class & ~present]
        ]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(ignore_index={self.ignore_index}, '
                f'min_pixels={self.min_pixels})')


@TRANSFORMS.register_module()
class ImageLabelsOfCrop(BaseTransform):
    """Whole-frame image labels made honest for a crop of the frame.

    A dataset's image labels describe the whole frame: a class present in
    the frame may lie outside a crop of it, and a class absent from the
    frame is absent from any crop. Unless the crop holds the whole
    (resized) frame, this marks the present classes unknown (no
    classification loss, no veto); absent and unknown classes stay as they
    are. Place it after ``RandomCrop``; frames resized with ``Resize`` or
    ``RandomResize`` (the frame's size is ``ori_shape`` x ``scale_factor``).

    Required Keys:

    - img_shape (the crop's), ori_shape, scale_factor (optional)
    - gt_image_labels (optional: without it nothing changes)
    - gt_image_labels_unknown (optional)

    Modified Keys:

    - gt_image_labels, gt_image_labels_unknown
    """

    def transform(self, results: dict) -> dict:
        present = results.get('gt_image_labels')
        if not present:
            return results
        height, width = results['ori_shape'][:2]
        w_scale, h_scale = results.get('scale_factor') or (1., 1.)
        frame = (int(height * h_scale + 0.5), int(width * w_scale + 0.5))
        crop = results['img_shape'][:2]
        if crop[0] >= frame[0] and crop[1] >= frame[1]:
            return results
        results['gt_image_labels_unknown'] = sorted(
            set(results.get('gt_image_labels_unknown', ())) | set(present))
        results['gt_image_labels'] = []
        return results


@TRANSFORMS.register_module()
class ImageLabelsUnknown(BaseTransform):
    """Every class's image label unknown: the item as it would be without
    image-level labels (no classification loss, no veto), for the twin of a
    config that measures what a target's image labels are worth.

    Required Keys:

    - num_classes

    Modified Keys:

    - gt_image_labels (empty), gt_image_labels_unknown (every class)
    """

    def transform(self, results: dict) -> dict:
        results['gt_image_labels'] = []
        results['gt_image_labels_unknown'] = list(
            range(results['num_classes']))
        return results


@TRANSFORMS.register_module()
class PackSRTInputs(PackSegInputs):
    """``PackSegInputs`` that also packs image-level labels.

    Required Keys: as ``PackSegInputs``; ``num_classes`` when
    ``gt_image_labels`` is present (the weakly-labelled datasets add it).

    Added Keys (in ``data_samples``):

    - gt_image_labels (Tensor): float multi-hot vector of length
      ``num_classes``, present only when the item has image labels.
    - gt_image_label_weights (Tensor): beside ``gt_image_labels``, 1 where
      the label is known (present or absent), 0 for the classes in
      ``gt_image_labels_unknown``.
    - gt_superpixels (PixelData): superpixel ids (1, H, W), int64, present
      only after ``SuperpixelSLIC``.
    - gt_pseudo_label_weight (PixelData): (1, H, W) float, the factor on
      the pixels' pseudo-label weights, present only after
      ``IgnorePseudoLabelRows``.
    """

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        labels = results.get('gt_image_labels')
        if labels is not None:
            if 'num_classes' not in results:
                raise KeyError(
                    f'{results.get("img_path")}: gt_image_labels without '
                    'num_classes; use a dataset from mmseg_srt.datasets or '
                    'add num_classes to the data info')
            multi_hot = torch.zeros(results['num_classes'])
            multi_hot[list(labels)] = 1.
            known = torch.ones(results['num_classes'])
            known[list(results.get('gt_image_labels_unknown', ()))] = 0.
            packed['data_samples'].set_data(
                dict(gt_image_labels=multi_hot, gt_image_label_weights=known))
        superpixels = results.get('gt_superpixels')
        if superpixels is not None:
            if results.get('gt_superpixels_flip') != bool(
                    results.get('flip', False)):
                raise ValueError(
                    f'{results.get("img_path")}: the image was flipped after '
                    'SuperpixelSLIC (mmcv\'s RandomFlip does not flip it): '
                    'place SuperpixelSLIC after RandomFlip')
            packed['data_samples'].set_data(
                dict(
                    gt_superpixels=PixelData(
                        data=torch.from_numpy(
                            superpixels.astype(np.int64))[None])))
        pseudo_label_weight = results.get('gt_pseudo_label_weight')
        if pseudo_label_weight is not None:
            packed['data_samples'].set_data(
                dict(
                    gt_pseudo_label_weight=PixelData(
                        data=torch.from_numpy(
                            pseudo_label_weight.astype(np.float32))[None])))
        return packed
