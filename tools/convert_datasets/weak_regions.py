"""Weak labels that vary: image-level labels of regions of target frames.

When every target frame holds a lesion, every whole-frame image label is
{normal, lesion} and says nothing. A physician who labels *views* (regions
of a frame) as "lesion" or "no lesion" gives labels that do. This tool makes
such a weakly labelled target set from a converted one (the
:class:`mmseg_srt.datasets.WeakSegDataset` layout, e.g. the output of
``polyp.py``): it cuts each training frame into overlapping regions and
labels each region from the frame's mask. That label is all of the mask
that reaches training: the regions get no mask file.

The region rule (all of it an argument):

- regions are ``size`` x the frame's height and width, on a ``grid`` x
  ``grid`` lattice of evenly spaced offsets from the top-left to the
  bottom-right corner (size 0.5, grid 3: nine regions, half overlapping);
- class k is in a region's label when its pixels cover at least
  ``min_fraction`` of the region;
- class k is absent when no pixel of k lies in the region or within
  ``margin`` pixels around it;
- anything in between (a sliver of a class at the border, a class just
  outside the region, an ignored pixel in or near it) is ambiguous, and the
  region is dropped rather than mislabelled.

Writes into ``DATA_ROOT/target/``: ``images/<name>_r<i>.jpg`` (regions at
the frame's resolution; the training pipeline rescales them),
``train_regions.txt`` (the training frames, then their kept regions),
``image_labels_regions.txt`` (labels of all of them: frames keep theirs
from ``image_labels.txt``) and ``regions.json`` (the rule and counts).
A user with their own weakly labelled target writes the same two text
files by hand: one name per line, and ``<name> <class> [<class> ...]``.

Usage::

    python tools/convert_datasets/weak_regions.py data/kvasir2colondb
"""
import argparse
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

Box = Tuple[int, int, int, int]  # y0, x0, y1, x1


def read_pair(image_path: str, mask_path: str,
              mask_flags: int = cv2.IMREAD_UNCHANGED) -> tuple:
    """An image (BGR) and its mask, read with errors that name the file: a
    missing or unreadable one, or a mask whose size is not the image's."""
    for path in (image_path, mask_path):
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{path} not found: images and masks come in pairs')
    image = cv2.imread(image_path, cv2.IMREAD_COLOR)
    mask = cv2.imread(mask_path, mask_flags)
    for path, array in ((image_path, image), (mask_path, mask)):
        if array is None:
            raise ValueError(f'{path} is not a readable image')
    if mask.shape[:2] != image.shape[:2]:
        raise ValueError(
            f'{mask_path} is {mask.shape[1]}x{mask.shape[0]} but '
            f'{image_path} is {image.shape[1]}x{image.shape[0]}')
    return image, mask


def region_boxes(height: int, width: int, size: float, grid: int) -> List[Box]:
    """The ``grid`` x ``grid`` regions of ``size`` x the frame, row by row."""
    if not 0 < size <= 1:
        raise ValueError(f'region size must be in (0, 1], got {size}')
    if grid < 1:
        raise ValueError(f'region grid must be at least 1, got {grid}')
    region_h, region_w = round(height * size), round(width * size)
    tops = np.linspace(0, height - region_h, grid).round().astype(int)
    lefts = np.linspace(0, width - region_w, grid).round().astype(int)
    boxes = []
    for top in tops:
        for left in lefts:
            box = (int(top), int(left), int(top) + region_h,
                   int(left) + region_w)
            if box not in boxes:  # grid > 1 on a size-1 region repeats it
                boxes.append(box)
    return boxes


def region_label(mask: np.ndarray,
                 box: Box,
                 num_classes: int,
                 min_fraction: float,
                 margin: int,
                 ignore_index: int = 255) -> Optional[List[int]]:
    """The classes of ``mask[box]`` by the region rule, or None when the
    region is ambiguous (see the module docstring)."""
    y0, x0, y1, x1 = box
    region = mask[y0:y1, x0:x1]
    around = mask[max(0, y0 - margin):y1 + margin,
                  max(0, x0 - margin):x1 + margin]
    if (around == ignore_index).any():
        return None
    labels = []
    for k in range(num_classes):
        if (region == k).sum() >= min_fraction * region.size:
            labels.append(k)
        elif (around == k).any():
            return None
    return labels or None


def make_regions(data_root: str,
                 size: float = 0.5,
                 grid: int = 3,
                 min_fraction: float = 0.01,
                 margin: int = 8,
                 num_classes: int = 2,
                 background: int = 0,
                 split: str = 'train') -> Dict[str, int]:
    """Cut and label the regions of ``data_root/target/<split>.txt``.

    Returns counts: frames, regions kept, background-only regions, dropped.

    Raises:
        FileNotFoundError: a split, label file, image or mask, by name.
        ValueError: a mask whose size differs from its image's, or a rule
            that leaves no background-only region (the labels would not
            vary), naming the options.
    """
    target = osp.join(data_root, 'target')
    split_file = osp.join(target, f'{split}.txt')
    label_file = osp.join(target, 'image_labels.txt')
    for path in (split_file, label_file):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} not found: convert the target '
                                    'first (e.g. tools/convert_datasets/'
                                    'polyp.py)')
    names = [line.strip() for line in open(split_file) if line.strip()]
    frame_labels = [line.rstrip('\n') for line in open(label_file)
                    if line.strip()]
    regions, region_lines = [], []
    counts = dict(frames=len(names), regions=0, background_only=0, dropped=0)
    for name in names:
        image, mask = read_pair(
            osp.join(target, 'images', name + '.jpg'),
            osp.join(target, 'masks', name + '.png'))
        for index, box in enumerate(
                region_boxes(mask.shape[0], mask.shape[1], size, grid)):
            labels = region_label(mask, box, num_classes, min_fraction,
                                  margin)
            if labels is None:
                counts['dropped'] += 1
                continue
            y0, x0, y1, x1 = box
            region_name = f'{name}_r{index}'
            cv2.imwrite(
                osp.join(target, 'images', region_name + '.jpg'),
                image[y0:y1, x0:x1], [cv2.IMWRITE_JPEG_QUALITY, 95])
            regions.append(region_name)
            region_lines.append(
                f'{region_name} {" ".join(map(str, labels))}')
            counts['regions'] += 1
            counts['background_only'] += labels == [background]
    rule = dict(size=size, grid=grid, min_fraction=min_fraction,
                margin=margin)
    if counts['background_only'] == 0:
        raise ValueError(
            f'the region rule {rule} (--region-size, --region-grid, '
            '--region-min-fraction, --region-margin) leaves no region of '
            f'the {len(names)} frames of {split_file} labelled background '
            f'({background}) only: the image labels would not vary; use '
            'smaller regions or a smaller margin')
    with open(osp.join(target, f'{split}_regions.txt'), 'w') as f:
        f.write('\n'.join(names + regions) + '\n')
    with open(osp.join(target, 'image_labels_regions.txt'), 'w') as f:
        f.write('\n'.join(frame_labels + region_lines) + '\n')
    with open(osp.join(target, 'regions.json'), 'w') as f:
        json.dump(dict(rule=rule, split=split, **counts), f, indent=2)
    return counts


def add_region_arguments(parser: argparse.ArgumentParser,
                         defaults: Sequence = (0.5, 3, 0.01, 8)) -> None:
    """The region rule's options, shared with the dataset converters."""
    size, grid, min_fraction, margin = defaults
    parser.add_argument('--region-size', type=float, default=size,
                        help='region side as a fraction of the frame side')
    parser.add_argument('--region-grid', type=int, default=grid,
                        help='regions per row and per column')
    parser.add_argument('--region-min-fraction', type=float,
                        default=min_fraction,
                        help='a class is in a region from this share of '
                        'its pixels on')
    parser.add_argument('--region-margin', type=int, default=margin,
                        help='a class is absent only if none of its pixels '
                        'lies within this many pixels of the region')


def parse_args():
    parser = argparse.ArgumentParser(
        description='Image-level labels of regions of target training '
        'frames (weak labels that vary)')
    parser.add_argument('data_root', help='a converted dataset, e.g. '
                        'data/kvasir2colondb')
    parser.add_argument('--num-classes', type=int, default=2)
    parser.add_argument('--background', type=int, default=0,
                        help='the class a lesion-free region holds alone')
    parser.add_argument('--split', default='train')
    add_region_arguments(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    counts = make_regions(args.data_root, args.region_size, args.region_grid,
                          args.region_min_fraction, args.region_margin,
                          args.num_classes, args.background, args.split)
    print(json.dumps(counts, indent=2))


if __name__ == '__main__':
    main()
