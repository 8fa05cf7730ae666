"""Write a converted target's image-level labels by the present-class rule
of the weak-label papers (Paul et al., ECCV 2020; sujoyp/weak-da-seg): a
class counts as present in a frame when its area there passes a share
(0.1) of the class's mean area.

The mean area m_k of class k is the mean pixel count over the frames that
hold it with more than ``share * m_k`` pixels, found by iterating from
m_k = 0 (the mean over every frame that holds it) ten times, as their
``load_threshold``. A frame's labels, in the project's three states:

- present: more than ``share * m_k`` pixels of class k;
- absent: none;
- unknown (``?k``): some, but not more than ``share * m_k``: a class the
  annotator may or may not have tagged (Paul et al. call it absent).

So where the converters' rule calls a class present from a fixed pixel
count (``?k`` only for a few pixels), this one asks each class for a share
of its own typical size: a pedestrian far away or a sliver of sky at the
frame's edge becomes unknown.

Reads ``TARGET/masks/<name>.png`` of the frames in ``TARGET/train.txt``
(only their image labels leave this tool) and writes ``TARGET/--out``
(``image_labels_mean_area.txt``) in the format of ``image_labels.txt``;
a config reads it with ``image_label_file``.

Usage::

    python tools/convert_datasets/image_labels_by_mean_area.py \\
        data/camvid2cityscapes/target --num-classes 11
"""
import argparse
import os.path as osp
import sys
from typing import List, Tuple

import numpy as np

from mmseg_srt.datasets import label_map_pixel_counts

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from camvid import format_image_labels  # noqa: E402

MEAN_AREA_ITERATIONS = 10


def mean_areas(counts: np.ndarray, share: float,
               iterations: int = MEAN_AREA_ITERATIONS) -> np.ndarray:
    """(K,) each class's mean area over the frames holding more than
    ``share`` of it (0 for a class no frame holds)."""
    means = np.zeros(counts.shape[1])
    for _ in range(iterations):
        for k in range(counts.shape[1]):
            held = counts[counts[:, k] > share * means[k], k]
            means[k] = held.mean() if held.size else 0.0
    return means


def three_state_labels(counts: np.ndarray, means: np.ndarray, share: float
                       ) -> List[Tuple[List[int], List[int]]]:
    """Per frame, its (present, unknown) classes."""
    labels = []
    for frame in counts:
        present = np.flatnonzero(frame > share * means)
        unknown = np.flatnonzero((frame > 0) & (frame <= share * means))
        labels.append((present.tolist(), unknown.tolist()))
    return labels


def write_image_labels(target: str,
                       num_classes: int,
                       share: float = 0.1,
                       out: str = 'image_labels_mean_area.txt',
                       ignore_index: int = 255) -> np.ndarray:
    """Write ``target/out`` for the frames of ``target/train.txt``; returns
    the classes' mean areas."""
    split = osp.join(target, 'train.txt')
    if not osp.isfile(split):
        raise FileNotFoundError(f'{split} not found: is {target} a converted '
                                'target folder (images/, masks/, train.txt)?')
    with open(split) as f:
        names = [line.strip() for line in f if line.strip()]
    counts = label_map_pixel_counts(
        [osp.join(target, 'masks', name + '.png') for name in names],
        num_classes, ignore_index)
    means = mean_areas(counts, share)
    with open(osp.join(target, out), 'w') as f:
        for name, (present, unknown) in zip(
                names, three_state_labels(counts, means, share)):
            f.write(format_image_labels(name, present, unknown) + '\n')
    return means


def parse_args():
    parser = argparse.ArgumentParser(
        description='Image labels by the weak-label papers\' rule: present '
        'above a share of the class\'s mean area')
    parser.add_argument('target', help='converted target folder (masks/, '
                        'train.txt)')
    parser.add_argument('--num-classes', type=int, required=True)
    parser.add_argument('--share', type=float, default=0.1,
                        help='of the class\'s mean area (Paul et al.: 0.1)')
    parser.add_argument('--out', default='image_labels_mean_area.txt',
                        help='file name inside TARGET')
    parser.add_argument('--ignore-index', type=int, default=255)
    return parser.parse_args()


def main():
    args = parse_args()
    means = write_image_labels(args.target, args.num_classes, args.share,
                               args.out, args.ignore_index)
    print(f'{osp.join(args.target, args.out)}: mean areas (pixels) '
          + ', '.join(f'{k}: {m:.0f}' for k, m in enumerate(means)))


if __name__ == '__main__':
    main()
