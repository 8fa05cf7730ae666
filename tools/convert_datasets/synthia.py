"""Prepare SYNTHIA-RAND-CITYSCAPES (source of SYNTHIA -> Cityscapes, paper
Table 3) in place.

Input: the official download::

    RAND_CITYSCAPES/RGB/0000000.png ...
    RAND_CITYSCAPES/GT/LABELS/0000000.png   16-bit PNG: class id (0-22) in
                                            the red channel, instance in green

Writes, beside them (read by :class:`mmseg_srt.datasets.SynthiaDataset`):

    GT/LABELS/<name>_labelTrainIds.png  Cityscapes' 19 training classes
                                        (SYNTHIA has 16 of them), 255 ignore
    train.txt, class_stats.json

Errors name the file: a missing image or label, a class id outside 0..22.

Usage::

    python tools/convert_datasets/synthia.py data/synthia --nproc 8
"""
import argparse
import os.path as osp
import sys

# The converters' shared helpers sit beside them.
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from urban_labels import (  # noqa: E402
    SYNTHIA_ID_TO_TRAIN_ID, SYNTHIA_NUM_IDS, prepare_source,
    read_synthia_ids)


def convert(root: str, nproc: int = 1) -> dict:
    """Convert every pair under ``root``; return the class statistics."""
    return prepare_source(root, 'RGB', 'GT/LABELS', read_synthia_ids,
                          SYNTHIA_ID_TO_TRAIN_ID, SYNTHIA_NUM_IDS, 'SYNTHIA',
                          nproc)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Write SYNTHIA train-id labels, split and class '
        'statistics')
    parser.add_argument('root', help='RAND_CITYSCAPES folder holding RGB/, '
                        'GT/LABELS/')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes')
    return parser.parse_args()


if __name__ == '__main__':
    args = parse_args()
    convert(args.root, args.nproc)
