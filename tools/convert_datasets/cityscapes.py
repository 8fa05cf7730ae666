"""Prepare Cityscapes (the target of both urban benchmarks, paper section
4.3) in place, without cityscapesscripts.

Input: the official leftImg8bit_trainvaltest and gtFine_trainvaltest::

    cityscapes/leftImg8bit/{train,val}/<city>/<name>_leftImg8bit.png
    cityscapes/gtFine/{train,val}/<city>/<name>_gtFine_labelIds.png

Writes (read by :class:`mmseg_srt.datasets.CityscapesWeakDataset`):

    gtFine/.../<name>_gtFine_labelTrainIds.png   as mmseg's own converter
    train.txt, val.txt                 "train/<city>/<name>" per line
    image_labels_train.txt             "<split/city/name> <class> ...": the
                                       classes of the fine annotation (at
                                       least --min-pixels pixels), the
                                       image-level labels of the target
    class_stats.json                   pixels and images per class, per split

Errors name the file: a missing image or annotation, an id outside 0..33.

Usage::

    python tools/convert_datasets/cityscapes.py data/cityscapes --nproc 8
"""
import argparse
import os.path as osp
import sys

# The converters' shared helpers sit beside them.
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from urban_labels import (  # noqa: E402
    CITYSCAPES_ID_TO_TRAIN_ID, CITYSCAPES_NUM_IDS, class_statistics,
    convert_pairs, lookup_table, pair_names, print_class_table,
    read_gray_ids, write_json, write_split)

SPLITS = ('train', 'val')


def convert(root: str, nproc: int = 1, min_pixels: int = 1) -> dict:
    """Convert train and val; return the class statistics of each."""
    if not osp.isdir(osp.join(root, 'leftImg8bit')):
        raise FileNotFoundError(
            f'{osp.join(root, "leftImg8bit")} not found: {root} should hold '
            'leftImg8bit/ and gtFine/ (the official archives, extracted)')
    table = lookup_table(CITYSCAPES_ID_TO_TRAIN_ID, CITYSCAPES_NUM_IDS)
    all_stats = {}
    for split in SPLITS:
        image_dir = osp.join(root, 'leftImg8bit', split)
        label_dir = osp.join(root, 'gtFine', split)
        names = pair_names(image_dir, '_leftImg8bit.png', label_dir,
                           '_gtFine_labelIds.png')
        tasks = [(f'{split}/{name}',
                  osp.join(image_dir, name + '_leftImg8bit.png'),
                  osp.join(label_dir, name + '_gtFine_labelIds.png'),
                  osp.join(label_dir, name + '_gtFine_labelTrainIds.png'))
                 for name in names]
        print(f'Cityscapes {split}: {len(tasks)} images')
        converted, mismatched = convert_pairs(tasks, read_gray_ids, table,
                                              nproc)
        if mismatched:
            raise ValueError(f'Cityscapes {split}: annotations of '
                             f'{mismatched[:5]} differ in size from their '
                             'images; is the download complete?')
        write_split(osp.join(root, f'{split}.txt'), sorted(converted))
        if split == 'train':
            write_image_labels(
                osp.join(root, 'image_labels_train.txt'), converted,
                min_pixels)
        all_stats[split] = class_statistics(converted)
        print_class_table(all_stats[split], f'Cityscapes {split}')
    write_json(osp.join(root, 'class_stats.json'), all_stats)
    return all_stats


def write_image_labels(path: str, converted: dict, min_pixels: int) -> None:
    """One line per image: the train ids it holds (>= min_pixels pixels)."""
    lines = []
    for name in sorted(converted):
        present = [k for k, n in sorted(converted[name].items())
                   if n >= min_pixels]
        if not present:
            raise ValueError(f'{name}: no class has {min_pixels} pixels, so '
                             'it has no image-level label; lower '
                             '--min-pixels')
        lines.append(f'{name} {" ".join(map(str, present))}')
    write_split(path, lines)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Write Cityscapes train ids, splits, image-level labels '
        'and class statistics')
    parser.add_argument('root', help='folder holding leftImg8bit/, gtFine/')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes')
    parser.add_argument('--min-pixels', type=int, default=1,
                        help='pixels a class needs to be an image label')
    return parser.parse_args()


if __name__ == '__main__':
    args = parse_args()
    convert(args.root, args.nproc, args.min_pixels)
