"""Label ids of GTA5, SYNTHIA-RAND-CITYSCAPES and Cityscapes mapped to the 19
Cityscapes training classes (paper section 4.3, Tables 3-4), and the
conversion work the converters in ``tools/convert_datasets/`` share.

GTA5 and Cityscapes store Cityscapes label ids (0-33; GTA5 as palette
indices of a "P" PNG, whose colours are NOT the ids). SYNTHIA stores its own
ids (0-22) in the first (red) channel of a 16-bit, 3-channel PNG; the
second channel is an instance id. Ids outside a dataset's table are an
error naming the file: they mean a wrong folder or a corrupt file, never
a class to drop silently.
"""
import json
import os.path as osp
from collections import OrderedDict
from functools import partial
from typing import Callable, Dict, Iterable, List, Sequence, Tuple

import cv2
import mmengine
import numpy as np
from mmengine.utils import track_parallel_progress, track_progress
from mmseg.datasets import CityscapesDataset
from PIL import Image

IGNORE_INDEX = 255
CITYSCAPES_CLASSES: Tuple[str, ...] = CityscapesDataset.METAINFO['classes']

# Cityscapes' labels.py: label id -> train id, for the ids 0-33 it defines
# (the rest, e.g. "unlabeled", "ego vehicle", "parking", "caravan", are
# ignored in training and evaluation).
CITYSCAPES_ID_TO_TRAIN_ID: Dict[int, int] = {
    7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9,
    23: 10, 24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18
}
CITYSCAPES_NUM_IDS = 34

# SYNTHIA-RAND-CITYSCAPES' README: 0 void, 1 sky, 2 building, 3 road,
# 4 sidewalk, 5 fence, 6 vegetation, 7 pole, 8 car, 9 traffic sign,
# 10 pedestrian, 11 bicycle, 12 motorcycle, 13 parking-slot, 14 road-work,
# 15 traffic light, 16 terrain, 17 rider, 18 truck, 19 bus, 20 train,
# 21 wall, 22 lanemarking. Void, parking-slot, road-work and lanemarking
# have no Cityscapes training class and are ignored.
SYNTHIA_ID_TO_TRAIN_ID: Dict[int, int] = {
    3: 0, 4: 1, 2: 2, 21: 3, 5: 4, 7: 5, 15: 6, 9: 7, 6: 8, 16: 9, 1: 10,
    10: 11, 17: 12, 8: 13, 18: 14, 19: 15, 20: 16, 12: 17, 11: 18
}
SYNTHIA_NUM_IDS = 23

# SYNTHIA -> Cityscapes is reported over the 16 classes both share (paper
# Table 3) and, in much of the literature, over 13 (without wall, fence,
# pole).
SYNTHIA_16_CLASSES: Tuple[str, ...] = (
    'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light',
    'traffic sign', 'vegetation', 'sky', 'person', 'rider', 'car', 'bus',
    'motorcycle', 'bicycle')
SYNTHIA_13_CLASSES: Tuple[str, ...] = tuple(
    c for c in SYNTHIA_16_CLASSES if c not in ('wall', 'fence', 'pole'))


def lookup_table(id_to_train_id: Dict[int, int], num_ids: int) -> np.ndarray:
    """uint8 table of ``num_ids`` entries: train id, or 255 for ignored."""
    table = np.full(num_ids, IGNORE_INDEX, dtype=np.uint8)
    for label_id, train_id in id_to_train_id.items():
        table[label_id] = train_id
    return table


def to_train_ids(label_ids: np.ndarray, table: np.ndarray,
                 path: str) -> np.ndarray:
    """Map a label-id map through ``table``.

    Raises:
        ValueError: an id the table does not know, naming ``path``.
    """
    label_ids = np.asarray(label_ids)
    unknown = np.unique(label_ids[(label_ids < 0) |
                                  (label_ids >= len(table))])
    if unknown.size:
        raise ValueError(
            f'{path}: unknown label ids {unknown[:10].tolist()} (this '
            f'dataset defines 0..{len(table) - 1}); is it the right folder, '
            'or a colour-converted label file?')
    return table[label_ids]


def read_palette_ids(path: str) -> np.ndarray:
    """Label ids of a GTA5 label PNG: the palette indices, not the colours
    (any single-channel PNG is read as it is)."""
    with Image.open(path) as image:
        if image.mode not in ('P', 'L', 'I', 'I;16'):
            raise ValueError(
                f'{path}: a {image.mode} image; GTA5 labels are palette '
                '(P) PNGs holding Cityscapes label ids')
        return np.array(image)


def read_gray_ids(path: str) -> np.ndarray:
    """Label ids of a single-channel PNG (Cityscapes ``*_labelIds.png``)."""
    ids = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if ids is None:
        raise ValueError(f'{path} is not a readable image')
    if ids.ndim != 2:
        raise ValueError(f'{path}: {ids.shape[2]} channels; label-id maps '
                         'have one (is it the *_color.png?)')
    return ids


def read_synthia_ids(path: str) -> np.ndarray:
    """Class ids of a SYNTHIA label PNG: 16 bits, class in the red channel
    (OpenCV's last of B, G, R), instance id in green."""
    ids = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if ids is None:
        raise ValueError(f'{path} is not a readable image')
    if ids.ndim == 3:
        ids = ids[..., 2]
    return ids.astype(np.int64)


def image_size(path: str) -> Tuple[int, int]:
    """(width, height) from the file header, without decoding."""
    with Image.open(path) as image:
        return image.size


def convert_label(src: str, dst: str, read: Callable[[str], np.ndarray],
                  table: np.ndarray) -> Dict[int, int]:
    """Write ``src``'s train-id map to ``dst`` (uint8 PNG); return its
    pixels per train id (ignored pixels not counted)."""
    train_ids = to_train_ids(read(src), table, src)
    if not cv2.imwrite(dst, train_ids):
        raise OSError(f'could not write {dst}')
    counts = np.bincount(train_ids.ravel(), minlength=IGNORE_INDEX + 1)
    return {int(k): int(counts[k]) for k in np.flatnonzero(counts)
            if k != IGNORE_INDEX}


def pair_names(image_dir: str, image_suffix: str, label_dir: str,
               label_suffix: str, skip_suffixes: Sequence[str] = ()
               ) -> List[str]:
    """Sorted names (paths relative to the folders, without suffix) that
    have both an image and a label.

    Raises:
        FileNotFoundError: a folder is missing, holds nothing, or one half
            of a pair is missing (naming the file that is there).
    """
    for folder in (image_dir, label_dir):
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{folder} not found: is the dataset '
                                    'root right (see the converter usage)?')
    images = _names(image_dir, image_suffix, skip_suffixes)
    labels = _names(label_dir, label_suffix, skip_suffixes)
    if not images:
        raise FileNotFoundError(
            f'{image_dir} holds no *{image_suffix} image')
    for name in sorted(images ^ labels):
        have, want = ((osp.join(image_dir, name + image_suffix),
                       osp.join(label_dir, name + label_suffix))
                      if name in images else
                      (osp.join(label_dir, name + label_suffix),
                       osp.join(image_dir, name + image_suffix)))
        raise FileNotFoundError(
            f'{want} not found, but {have} is there: images and labels come '
            'in pairs')
    return sorted(images)


def _names(folder: str, suffix: str, skip_suffixes: Iterable[str]) -> set:
    names = set()
    for path in mmengine.scandir(folder, suffix=suffix, recursive=True):
        if any(path.endswith(s) for s in skip_suffixes):
            continue
        names.add(path[:-len(suffix)])
    return names


def class_statistics(per_image: Dict[str, Dict[int, int]],
                     classes: Sequence[str] = CITYSCAPES_CLASSES) -> dict:
    """Pixels and images per class over a split, and per image."""
    pixels = np.zeros(len(classes), dtype=np.int64)
    images = np.zeros(len(classes), dtype=np.int64)
    for counts in per_image.values():
        for train_id, n in counts.items():
            pixels[train_id] += n
            images[train_id] += 1
    total = max(int(pixels.sum()), 1)
    return dict(
        classes=list(classes),
        num_images=len(per_image),
        pixels=OrderedDict((c, int(n)) for c, n in zip(classes, pixels)),
        pixel_fraction=OrderedDict(
            (c, round(float(n) / total, 6)) for c, n in zip(classes, pixels)),
        images_with_class=OrderedDict(
            (c, int(n)) for c, n in zip(classes, images)),
        per_image=OrderedDict(
            (name, {classes[k]: n for k, n in sorted(counts.items())})
            for name, counts in sorted(per_image.items())))


def write_json(path: str, data: dict) -> None:
    with open(path, 'w') as f:
        json.dump(data, f, indent=1)


def print_class_table(stats: dict, title: str) -> None:
    """The per-class pixel share and image count, one line per class."""
    print(f'{title}: {stats["num_images"]} images')
    for name in stats['classes']:
        print(f'  {name:>14s} {100 * stats["pixel_fraction"][name]:7.3f} % '
              f'of pixels, in {stats["images_with_class"][name]} images')


def _convert_pair(task: Tuple[str, str, str, str],
                  read: Callable[[str], np.ndarray],
                  table: np.ndarray) -> Tuple[str, object]:
    """One (name, image, label, output) task: the label's pixels per train
    id, or None (nothing written) when image and label differ in size."""
    name, image_path, label_path, out_path = task
    if image_size(image_path) != image_size(label_path):
        return name, None
    return name, convert_label(label_path, out_path, read, table)


def convert_pairs(tasks: Sequence[Tuple[str, str, str, str]],
                  read: Callable[[str], np.ndarray], table: np.ndarray,
                  nproc: int = 1) -> Tuple[Dict[str, Dict[int, int]],
                                           List[str]]:
    """Convert every (name, image, label, output) task with a progress bar,
    in ``nproc`` processes.

    Returns:
        The pixels per train id of each converted name, and the names whose
        image and label sizes differ (skipped).
    """
    work = partial(_convert_pair, read=read, table=table)
    if nproc > 1:
        results = track_parallel_progress(work, list(tasks), nproc)
    else:
        results = track_progress(work, list(tasks))
    converted = {name: counts for name, counts in results
                 if counts is not None}
    mismatched = [name for name, counts in results if counts is None]
    return converted, mismatched


def write_split(path: str, names: Iterable[str]) -> None:
    with open(path, 'w') as f:
        f.write(''.join(f'{name}\n' for name in names))


TRAIN_ID_SUFFIX = '_labelTrainIds.png'


def prepare_source(root: str, image_folder: str, label_folder: str,
                   read: Callable[[str], np.ndarray],
                   id_to_train_id: Dict[int, int], num_ids: int, title: str,
                   nproc: int = 1) -> dict:
    """Prepare a synthetic source (GTA5, SYNTHIA) in place: every
    ``<label_folder>/<name>.png`` gets ``<name>_labelTrainIds.png``;
    ``train.txt`` lists the pairs of equal size and ``class_stats.json``
    the class statistics, which are returned."""
    image_dir = osp.join(root, image_folder)
    label_dir = osp.join(root, label_folder)
    names = pair_names(image_dir, '.png', label_dir, '.png',
                       skip_suffixes=(TRAIN_ID_SUFFIX, ))
    tasks = [(name, osp.join(image_dir, name + '.png'),
              osp.join(label_dir, name + '.png'),
              osp.join(label_dir, name + TRAIN_ID_SUFFIX)) for name in names]
    print(f'{title}: {len(tasks)} pairs in {root}')
    converted, mismatched = convert_pairs(
        tasks, read, lookup_table(id_to_train_id, num_ids), nproc)
    if mismatched:
        print(f'left out {len(mismatched)} images whose label differs in '
              f'size: {", ".join(mismatched)}')
    write_split(osp.join(root, 'train.txt'), sorted(converted))
    stats = class_statistics(converted)
    stats['left_out_size_mismatch'] = mismatched
    write_json(osp.join(root, 'class_stats.json'), stats)
    print_class_table(stats, f'{title} train')
    return stats
