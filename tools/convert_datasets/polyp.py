"""Convert Kvasir-SEG (source) and CVC-ClinicDB or CVC-ColonDB (target) to
mmseg-srt's layout.

Input: one folder holding the datasets (see README.md, "Real data")::

    SRC/Kvasir-SEG/images/<name>.jpg, masks/<name>.jpg,
                   source_train.txt, source_val.txt
    SRC/CVC-ClinicDB/images/<n>.jpg, masks/<n>.jpg,
                     target_train.txt, target_test.txt
    SRC/CVC-ColonDB/images/<n>.jpg, masks/<n>.png, (the same split files)

Output: the :class:`mmseg_srt.datasets.WeakSegDataset` layout::

    OUT/meta.json
    OUT/source/images/<name>.jpg     copied as they are
    OUT/source/masks/<name>.png      0 normal, 1 lesion (JPEG masks >= 128)
    OUT/source/train.txt, val.txt, image_labels.txt
    OUT/target/images/<n>.jpg, masks/<n>.png
    OUT/target/train.txt, test.txt
    OUT/target/image_labels.txt      for target/train: its image-level labels

Target training masks are written too, for the oracle and for measuring
pseudo labels; the weakly-supervised configs never read them (their target
training split has ``with_seg_map=False``). ``--regions`` adds labelled
regions of the target training frames (``weak_regions.py`` beside this file:
``target/train_regions.txt``, ``image_labels_regions.txt``).

Usage::

    python tools/convert_datasets/polyp.py POLYP --out-dir data/kvasir2cvc
    python tools/convert_datasets/polyp.py POLYP \
        --out-dir data/kvasir2colondb --target CVC-ColonDB --regions
"""
import argparse
import json
import os
import os.path as osp
import shutil
import sys
from functools import partial
from typing import List, Optional, Tuple

import cv2
import numpy as np
from mmengine.utils import track_parallel_progress, track_progress

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from weak_regions import (add_region_arguments, make_regions,  # noqa: E402
                          read_pair)

CLASSES = ('normal', 'lesion')
SOURCE = 'Kvasir-SEG'
# target dataset -> the suffix of its masks
TARGETS = {'CVC-ClinicDB': '.jpg', 'CVC-ColonDB': '.png'}


def domains(target: str) -> tuple:
    """(input folder, output folder, mask suffix, {output split: input
    split file}) of the source and of ``target``."""
    if target not in TARGETS:
        raise ValueError(f'unknown target {target!r}: one of '
                         f'{sorted(TARGETS)}')
    return (
        (SOURCE, 'source', '.jpg', {
            'train': 'source_train.txt',
            'val': 'source_val.txt'
        }),
        (target, 'target', TARGETS[target], {
            'train': 'target_train.txt',
            'test': 'target_test.txt'
        }),
    )


# Splits whose image-level labels are written (the weak annotation).
IMAGE_LABEL_SPLITS = {'source': ('train', 'val'), 'target': ('train', )}


def read_split(path: str) -> List[str]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'split file {path} not found')
    with open(path) as f:
        names = [osp.splitext(line.strip())[0] for line in f if line.strip()]
    if not names:
        raise ValueError(f'split file {path} lists no image')
    return names


def convert_pair(name: str, in_dir: str, out_dir: str, threshold: int,
                 mask_suffix: str = '.jpg') -> Tuple[str, List[int]]:
    """Copy one image, binarise its mask; return its image-level labels."""
    image_path = osp.join(in_dir, 'images', name + '.jpg')
    mask_path = osp.join(in_dir, 'masks', name + mask_suffix)
    _, mask = read_pair(image_path, mask_path, cv2.IMREAD_GRAYSCALE)
    labels = (mask >= threshold).astype(np.uint8)
    shutil.copyfile(image_path, osp.join(out_dir, 'images', name + '.jpg'))
    cv2.imwrite(osp.join(out_dir, 'masks', name + '.png'), labels)
    return name, [int(k) for k in np.unique(labels)]


def convert(src: str,
            out: str,
            nproc: int = 1,
            threshold: int = 128,
            target: str = 'CVC-ClinicDB',
            regions: Optional[dict] = None) -> dict:
    """Convert both domains; returns per-split image counts.

    ``regions``: keyword arguments of :func:`weak_regions.make_regions`
    (size, grid, min_fraction, margin) to add labelled target regions.
    """
    if not osp.isdir(src):
        raise FileNotFoundError(f'input folder {src} not found')
    summary = {}
    for in_name, domain, mask_suffix, splits in domains(target):
        in_dir = osp.join(src, in_name)
        if not osp.isdir(in_dir):
            raise FileNotFoundError(
                f'{in_dir} not found: expected {src} to hold {SOURCE}/ and '
                f'{target}/ (see README.md, "Real data")')
        out_dir = osp.join(out, domain)
        os.makedirs(osp.join(out_dir, 'images'), exist_ok=True)
        os.makedirs(osp.join(out_dir, 'masks'), exist_ok=True)
        label_lines = []
        for split, split_file in splits.items():
            names = read_split(osp.join(in_dir, split_file))
            work = partial(
                convert_pair, in_dir=in_dir, out_dir=out_dir,
                threshold=threshold, mask_suffix=mask_suffix)
            print(f'{domain}/{split}: {len(names)} images from {in_dir}')
            if nproc > 1:
                converted = track_parallel_progress(work, names, nproc)
            else:
                converted = track_progress(work, names)
            with open(osp.join(out_dir, f'{split}.txt'), 'w') as f:
                f.write('\n'.join(names) + '\n')
            if split in IMAGE_LABEL_SPLITS[domain]:
                label_lines += [
                    f'{name} {" ".join(map(str, labels))}'
                    for name, labels in converted
                ]
            summary[f'{domain}/{split}'] = len(names)
        with open(osp.join(out_dir, 'image_labels.txt'), 'w') as f:
            f.write('\n'.join(label_lines) + '\n')
    if regions is not None:
        counts = make_regions(out, num_classes=len(CLASSES), **regions)
        summary['target/train_regions'] = counts['frames'] + counts['regions']
        summary['target regions'] = counts
    with open(osp.join(out, 'meta.json'), 'w') as f:
        json.dump(
            dict(
                classes=list(CLASSES),
                source=SOURCE,
                target=target,
                mask_threshold=threshold,
                splits=summary),
            f,
            indent=2)
    return summary


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert Kvasir-SEG -> CVC-ClinicDB or CVC-ColonDB for '
        'mmseg-srt')
    parser.add_argument('src', help='folder holding Kvasir-SEG/ and the '
                        'target dataset')
    parser.add_argument('--out-dir', required=True,
                        help='output folder, e.g. data/kvasir2cvc')
    parser.add_argument('--target', default='CVC-ClinicDB',
                        choices=sorted(TARGETS), help='target dataset')
    parser.add_argument('--regions', action='store_true',
                        help='add labelled regions of the target training '
                        'frames (weak labels that vary; the --region-* '
                        'options set the rule)')
    add_region_arguments(parser)
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes')
    parser.add_argument('--threshold', type=int, default=128,
                        help='mask values >= threshold are lesion')
    return parser.parse_args()


def main():
    args = parse_args()
    regions = dict(
        size=args.region_size,
        grid=args.region_grid,
        min_fraction=args.region_min_fraction,
        margin=args.region_margin) if args.regions else None
    summary = convert(args.src, args.out_dir, args.nproc, args.threshold,
                      args.target, regions)
    print(json.dumps(summary, indent=2))


if __name__ == '__main__':
    main()
