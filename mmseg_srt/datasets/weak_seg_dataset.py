"""Datasets with image-level labels beside, or instead of, pixel masks.

The paper's data (section 3.1): a source set ``Xs = {(x, y_sc, y_ss)}`` with
image labels ``y_sc`` and pixel labels ``y_ss``, and a target set
``Xt = {(x, y_tc)}`` with image labels only. Both read one layout, for any
number of classes::

    data_root/
      <img_path>/<name><img_suffix>
      <seg_map_path>/<name><seg_map_suffix>   uint8 class index, 255 ignore
      <ann_file>                              one name per line
      <image_label_file>                      "<name> <class> [<class> ...]"
                                              (``?<class>``: unknown)

A split with masks (``with_seg_map=True``) may omit the image-label file:
the labels then come from the (cropped) mask, see
:class:`mmseg_srt.datasets.transforms.ImageLabelsFromSegMap`. A split without
masks must give one. Every item carries ``gt_image_labels`` (sorted class
indices) when known, ``gt_image_labels_unknown`` (classes the file marks
neither present nor absent) and ``num_classes``, which
:class:`mmseg_srt.datasets.transforms.PackSRTInputs` turns into a multi-hot
``data_sample.gt_image_labels`` and ``gt_image_label_weights`` (0 for an
unknown class).

Errors name the file: a missing image or mask, an item without image labels,
a class index out of range (at construction), and a mask whose values are
neither a class nor ``ignore_index`` (when the item is loaded).
"""
import os.path as osp
from typing import Dict, List, NamedTuple, Optional

import mmengine
import torch
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS


class ImageLabels(NamedTuple):
    """One image's image-level labels: the classes ``present`` and the
    classes whose presence is ``unknown``; every other class is absent."""

    present: List[int]
    unknown: List[int]


def read_image_label_file(path: str,
                          num_classes: int) -> Dict[str, ImageLabels]:
    """Parse an image-label file, one image a line::

        <name> <class> [<class> ...] [?<class> ...]

    A class written ``?k`` is unknown (neither present nor absent: no
    classification loss, no veto); a class not on the line is absent.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: a line without classes, a non-integer or out-of-range
            class, a class both known and unknown, or a name given twice;
            the message names file and line.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'image-label file {path} not found')
    labels: Dict[str, ImageLabels] = {}
    for number, line in enumerate(mmengine.list_from_file(path), 1):
        fields = line.split()
        if not fields:
            continue
        name, classes = fields[0], fields[1:]
        where = f'{path}, line {number} ({name!r})'
        if not classes:
            raise ValueError(f'{where}: no image-level label')
        try:
            present = sorted({int(k) for k in classes if k[0] != '?'})
            unknown = sorted({int(k[1:]) for k in classes if k[0] == '?'})
        except ValueError:
            raise ValueError(
                f'{where}: classes must be integers, each optionally '
                f'preceded by ? (unknown), got {classes}') from None
        indices = present + unknown
        if min(indices) < 0 or max(indices) >= num_classes:
            raise ValueError(f'{where}: class {sorted(indices)} outside '
                             f'0..{num_classes - 1}')
        both = sorted(set(present) & set(unknown))
        if both:
            raise ValueError(f'{where}: class {both} is given both as '
                             'present and as unknown (?)')
        if name in labels:
            raise ValueError(f'{where}: {name!r} is listed twice')
        labels[name] = ImageLabels(present, unknown)
    return labels


def read_image_labels(path: str, num_classes: int) -> Dict[str, List[int]]:
    """The classes present in each image of an image-label file (see
    :func:`read_image_label_file`; unknown classes are left out)."""
    return {
        name: labels.present
        for name, labels in read_image_label_file(path, num_classes).items()
    }


def check_seg_map_values(values, num_classes: int, ignore_index: int,
                         path: Optional[str]) -> None:
    """Raise if any of ``values`` (the values present in the mask read from
    ``path``) is neither a class index nor ``ignore_index``."""
    invalid = sorted(
        int(v) for v in values
        if (v < 0 or v >= num_classes) and v != ignore_index)
    if invalid:
        raise ValueError(
            f'{path}: values {invalid[:10]} are neither a class '
            f'(0..{num_classes - 1}) nor the ignore index {ignore_index}; '
            'masks must store class indices (is it an unthresholded 0/255 '
            'or JPEG mask?)')


def check_same_classes(source_metainfo: dict, target_metainfo: dict) -> None:
    """Source and target must share one class list, in one order.

    Raises:
        ValueError: naming both lists.
    """
    source = tuple(source_metainfo['classes'])
    target = tuple(target_metainfo['classes'])
    if source != target:
        raise ValueError('source and target datasets have different class '
                         f'lists: source {source}, target {target}')


@DATASETS.register_module()
class WeakSegDataset(BaseSegDataset):
    """A split whose items carry pixel masks, image labels, or both.

    Args:
        with_seg_map: Items have pixel masks under ``seg_map_path``.
        image_label_file: Image-level labels, relative to ``data_root``;
            every item of ``ann_file`` must be listed. Required when
            ``with_seg_map`` is False.
        check_files: Check at construction that every image (and mask)
            exists, so a missing file fails at once, by name.
        **kwargs: As for :class:`mmseg.datasets.BaseSegDataset`;
            ``ann_file`` is required.
    """

    def __init__(self,
                 with_seg_map: bool = True,
                 image_label_file: Optional[str] = None,
                 check_files: bool = True,
                 **kwargs) -> None:
        if not with_seg_map and not image_label_file:
            raise ValueError(
                'with_seg_map=False needs image_label_file: a weakly '
                'labelled split gives its image-level labels in a file')
        self.with_seg_map = with_seg_map
        self.image_label_file = image_label_file
        self.check_files = check_files
        super().__init__(**kwargs)

    def _join_prefix(self) -> None:
        super()._join_prefix()
        if self.image_label_file and self.data_root and not osp.isabs(
                self.image_label_file):
            self.image_label_file = osp.join(self.data_root,
                                             self.image_label_file)

    def load_data_list(self) -> List[dict]:
        if not self.ann_file or not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'split file (ann_file) {self.ann_file!r} not found')
        num_classes = len(self.metainfo['classes'])
        image_labels = (
            read_image_label_file(self.image_label_file, num_classes)
            if self.image_label_file else None)
        img_dir = self.data_prefix.get('img_path', '')
        seg_dir = self.data_prefix.get('seg_map_path', '')
        data_list = []
        for name in mmengine.list_from_file(self.ann_file):
            name = name.strip()
            if not name:
                continue
            info = dict(
                img_path=osp.join(img_dir, name + self.img_suffix),
                label_map=self.label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[],
                num_classes=num_classes)
            if self.with_seg_map:
                info['seg_map_path'] = osp.join(seg_dir,
                                                name + self.seg_map_suffix)
            if image_labels is not None:
                if name not in image_labels:
                    raise ValueError(
                        f'{name!r} of {self.ann_file} has no image-level '
                        f'label in {self.image_label_file}')
                info['gt_image_labels'] = image_labels[name].present
                info['gt_image_labels_unknown'] = image_labels[name].unknown
            if self.check_files:
                self._check_item_files(info)
            data_list.append(info)
        return data_list

    def _check_item_files(self, info: dict) -> None:
        for key in ('img_path', 'seg_map_path'):
            if key in info and not osp.isfile(info[key]):
                raise FileNotFoundError(
                    f'{info[key]} (listed in {self.ann_file}) not found')

    def prepare_data(self, idx: int):
        data = super().prepare_data(idx)
        samples = data.get('data_samples') if isinstance(data, dict) else None
        if samples is not None and 'gt_sem_seg' in samples:
            self._check_seg_map(samples.gt_sem_seg.data, idx)
        return data

    def _check_seg_map(self, seg_map: torch.Tensor, idx: int) -> None:
        """Mask values must be a class index or the ignore index."""
        num_classes = len(self.metainfo['classes'])
        invalid = (seg_map >= num_classes) & (seg_map != self.ignore_index)
        if bool(invalid.any()):
            check_seg_map_values(
                torch.unique(seg_map[invalid]).tolist(), num_classes,
                self.ignore_index,
                self.get_data_info(idx).get('seg_map_path'))
