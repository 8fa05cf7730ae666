"""Prepare GTA5 (source of GTA5 -> Cityscapes, paper Table 4) in place.

Input: the official download, extracted into one folder::

    GTA/images/00001.png ... 24966.png
    GTA/labels/00001.png ...            palette PNGs of Cityscapes label ids

Writes, beside them (read by :class:`mmseg_srt.datasets.GTADataset`):

    GTA/labels/<name>_labelTrainIds.png  the 19 training classes, 255 ignore
    GTA/train.txt                        every pair whose sizes agree
    GTA/class_stats.json                 pixels and images per class

A few official frames differ in size from their labels; they are left out
of train.txt and named. Errors name the file: a missing image or label, an
id outside 0..33.

Usage::

    python tools/convert_datasets/gta.py data/gta --nproc 8
"""
import argparse
import os.path as osp
import sys

# The converters' shared helpers sit beside them.
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from urban_labels import (  # noqa: E402
    CITYSCAPES_ID_TO_TRAIN_ID, CITYSCAPES_NUM_IDS, prepare_source,
    read_palette_ids)


def convert(root: str, nproc: int = 1) -> dict:
    """Convert every pair under ``root``; return the class statistics."""
    return prepare_source(root, 'images', 'labels', read_palette_ids,
                          CITYSCAPES_ID_TO_TRAIN_ID, CITYSCAPES_NUM_IDS,
                          'GTA5', nproc)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Write GTA5 train-id labels, split and class statistics')
    parser.add_argument('root', help='GTA5 folder holding images/, labels/')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes')
    return parser.parse_args()


if __name__ == '__main__':
    args = parse_args()
    convert(args.root, args.nproc)
