"""Convert Cityscapes as the pix2pix authors distribute it to mmseg-srt's
weak-target layout (a target for CamVid -> Cityscapes).

Each ``SRC/{train,val}/N.jpg`` is 512x256: the left half the street photo
(2048x1024 squashed to 256x256), the right half its fine annotation drawn
in the official Cityscapes colours, JPEG-compressed. Any subset of numbers
may be there (the project's copy holds every third training frame and the
odd validation frames).

Per frame:

- the annotation is decoded pixel by pixel to the nearest official colour
  (Euclidean, RGB 0-255); a pixel whose nearest colour is farther than
  ``--max-distance`` (40) is unlabelled (255): JPEG ringing on boundaries;
- the decoded Cityscapes label is mapped to CamVid's 11 classes (the SegNet
  tutorial's grouping; terrain and void labels -> 255) or, with ``--classes
  cityscapes``, to Cityscapes' 19 trainIds;
- photo and labels are resized back to the 2:1 aspect ratio at
  ``--size`` (512x256: half the original horizontal resolution; bilinear
  for the photo, nearest for the labels);
- image-level labels by the three-state rule of the CamVid copy scaled to
  the frame's area: present from ``--min-pixels`` pixels of a 480x360 frame
  (50) times area / 172800, absent with none, unknown (``?k``) in between.

Output (the :class:`mmseg_srt.datasets.CamVidDataset` target layout)::

    OUT/target/images/{train,val}_N.jpg   masks/{train,val}_N.png
    OUT/target/train.txt, val.txt
    OUT/target/image_labels.txt           training frames only
    OUT/target/meta.json                  classes, rule, sizes, undecoded share

Training frames' label maps are written for the oracles; the weakly
supervised configs read only ``image_labels.txt`` of those frames.

Usage::

    python tools/convert_datasets/cityscapes_pix2pix.py \\
        ../shared/data/cityscapes_pix2pix --out-dir data/camvid2cityscapes
"""
import argparse
import json
import os
import os.path as osp
import sys
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.utils import track_parallel_progress, track_progress

from mmseg_srt.datasets import ImageLabelsFromSegMap

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from camvid import format_image_labels  # noqa: E402

IGNORE_INDEX = 255
SPLITS = ('train', 'val')
CAMVID_FRAME_AREA = 480 * 360
CITYSCAPES_CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
                      'traffic light', 'traffic sign', 'vegetation',
                      'terrain', 'sky', 'person', 'rider', 'car', 'truck',
                      'bus', 'train', 'motorcycle', 'bicycle')
CAMVID_CLASSES = ('sky', 'building', 'pole', 'road', 'pavement', 'tree',
                  'signsymbol', 'fence', 'car', 'pedestrian', 'bicyclist')
# The official colours (cityscapesScripts' labels.py) and their trainIds;
# colours several labels share (pole / polegroup, car / license plate, the
# void ones) decode to the first, which is void or of the same class.
COLOURS = (
    ((128, 64, 128), 0), ((244, 35, 232), 1), ((70, 70, 70), 2),
    ((102, 102, 156), 3), ((190, 153, 153), 4), ((153, 153, 153), 5),
    ((250, 170, 30), 6), ((220, 220, 0), 7), ((107, 142, 35), 8),
    ((152, 251, 152), 9), ((70, 130, 180), 10), ((220, 20, 60), 11),
    ((255, 0, 0), 12), ((0, 0, 142), 13), ((0, 0, 70), 14),
    ((0, 60, 100), 15), ((0, 80, 100), 16), ((0, 0, 230), 17),
    ((119, 11, 32), 18),
    # void: unlabelled / ego vehicle / border / out of roi, dynamic, ground,
    # parking, rail track, guard rail, bridge, tunnel, caravan, trailer
    ((0, 0, 0), IGNORE_INDEX), ((111, 74, 0), IGNORE_INDEX),
    ((81, 0, 81), IGNORE_INDEX), ((250, 170, 160), IGNORE_INDEX),
    ((230, 150, 140), IGNORE_INDEX), ((180, 165, 180), IGNORE_INDEX),
    ((150, 100, 100), IGNORE_INDEX), ((150, 120, 90), IGNORE_INDEX),
    ((0, 0, 90), IGNORE_INDEX), ((0, 0, 110), IGNORE_INDEX))
# trainId -> CamVid class (SegNet's grouping: building includes wall, car
# includes truck, bus and train, bicyclist includes rider, motorcycle and
# bicycle, signsymbol includes traffic lights; CamVid has no terrain).
TRAIN_ID_TO_CAMVID = (3, 4, 1, 1, 7, 2, 6, 6, 5, IGNORE_INDEX, 0, 9, 10, 8, 8,
                      8, 8, 10, 10)
CLASS_SETS = {'camvid': CAMVID_CLASSES, 'cityscapes': CITYSCAPES_CLASSES}
JPEG_MAGIC = b'\xff\xd8\xff'
# JPEG ringing leaves about 5 % of a frame's annotation undecoded; a frame
# with more than this share is not an annotation.
MAX_UNDECODED_SHARE = 0.5


PALETTE = np.array([colour for colour, _ in COLOURS], np.float32)
PALETTE_TRAIN_IDS = np.array([train_id for _, train_id in COLOURS], np.uint8)


def decode_colours(annotation_rgb: np.ndarray, max_distance: float = 40.0
                   ) -> Tuple[np.ndarray, np.ndarray]:
    """(H, W) trainIds of an (H, W, 3) RGB annotation, each pixel's nearest
    official colour's (255 for void labels), and (H, W) True where even
    that is more than ``max_distance`` away (then 255 too)."""
    pixels = annotation_rgb.reshape(-1, 1, 3).astype(np.float32)
    distances = ((pixels - PALETTE[None])**2).sum(-1)
    nearest = distances.argmin(1)
    undecoded = distances[np.arange(len(nearest)), nearest] > max_distance**2
    decoded = PALETTE_TRAIN_IDS[nearest]
    decoded[undecoded] = IGNORE_INDEX
    shape = annotation_rgb.shape[:2]
    return decoded.reshape(shape), undecoded.reshape(shape)


def to_classes(train_ids: np.ndarray, classes: str) -> np.ndarray:
    """trainIds as CamVid's 11 classes (``'camvid'``) or as they are."""
    if classes == 'cityscapes':
        return train_ids
    lookup = np.full(256, IGNORE_INDEX, np.uint8)
    lookup[:len(TRAIN_ID_TO_CAMVID)] = TRAIN_ID_TO_CAMVID
    return lookup[train_ids]


def min_pixels_of(size: Tuple[int, int], min_pixels: int) -> float:
    """The present threshold of a frame of ``size`` (w, h): ``min_pixels``
    of a 480x360 CamVid frame scaled by area."""
    return min_pixels * size[0] * size[1] / CAMVID_FRAME_AREA


def read_pix2pix(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """The photo (BGR) and the annotation (RGB) of one pix2pix file; errors
    name the file."""
    with open(path, 'rb') as f:
        if f.read(3) != JPEG_MAGIC:
            raise ValueError(f'{path} is not a JPEG file (pix2pix frames are '
                             '512x256 JPEGs: photo left, annotation right)')
    pair = cv2.imread(path, cv2.IMREAD_COLOR)
    if pair is None:
        raise ValueError(f'{path} is not a readable image')
    height, width = pair.shape[:2]
    if width != 2 * height:
        raise ValueError(
            f'{path} is {width}x{height}; a pix2pix frame is twice as wide '
            'as high (photo and annotation side by side, 512x256)')
    photo, annotation = pair[:, :height], pair[:, height:]
    return photo, cv2.cvtColor(annotation, cv2.COLOR_BGR2RGB)


def frame_numbers(folder: str, numbers: Optional[Sequence[int]] = None
                  ) -> List[int]:
    """The frame numbers to convert: ``numbers`` (each file must exist), or
    every ``N.jpg`` in ``folder``, sorted."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder} not found: the pix2pix layout is '
                                'SRC/train/N.jpg and SRC/val/N.jpg')
    if numbers is not None:
        for number in numbers:
            path = osp.join(folder, f'{number}.jpg')
            if not osp.isfile(path):
                raise FileNotFoundError(f'{path} not found: frame {number} is '
                                        'listed but not in the folder')
        return sorted(numbers)
    found = []
    for file in os.listdir(folder):
        stem, ext = osp.splitext(file)
        if not stem.isdigit() or ext.lower() != '.jpg':
            raise ValueError(f'{osp.join(folder, file)}: the pix2pix layout '
                             'holds N.jpg files only')
        found.append(int(stem))
    if not found:
        raise ValueError(f'{folder} holds no N.jpg frame')
    return sorted(found)


def read_numbers(path: str) -> List[int]:
    """Frame numbers, one per line (``N`` or ``N.jpg``)."""
    with open(path) as f:
        lines = [line.split()[0] for line in f if line.strip()]
    numbers = []
    for line in lines:
        stem = osp.splitext(osp.basename(line))[0]
        if not stem.isdigit():
            raise ValueError(f'{path}: {line!r} is not a frame number')
        numbers.append(int(stem))
    return numbers


def convert_frame(number: int, split: str, src: str, out_dir: str,
                  classes: str, size: Tuple[int, int], max_distance: float,
                  threshold: float, jpeg_quality: int) -> dict:
    """Write one frame's photo and label map; return its name, image
    labels and pixel counts."""
    photo, annotation = read_pix2pix(osp.join(src, split, f'{number}.jpg'))
    train_ids, undecoded = decode_colours(annotation, max_distance)
    if undecoded.mean() > MAX_UNDECODED_SHARE:
        raise ValueError(
            f'{osp.join(src, split, f"{number}.jpg")}: {undecoded.mean():.0%} '
            'of its right half matches no official Cityscapes colour within '
            f'{max_distance:g}; is it a pix2pix label file (photo left, '
            'colour annotation right)?')
    labels = to_classes(train_ids, classes)
    photo = cv2.resize(photo, size, interpolation=cv2.INTER_LINEAR)
    labels = cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)
    name = f'{split}_{number}'
    cv2.imwrite(osp.join(out_dir, 'images', name + '.jpg'), photo,
                [int(cv2.IMWRITE_JPEG_QUALITY), jpeg_quality])
    cv2.imwrite(osp.join(out_dir, 'masks', name + '.png'), labels)
    image_labels = ImageLabelsFromSegMap(
        ignore_index=IGNORE_INDEX,
        min_pixels=threshold)(dict(gt_seg_map=labels))
    return dict(
        name=name,
        present=image_labels['gt_image_labels'],
        unknown=image_labels['gt_image_labels_unknown'],
        undecoded=int(undecoded.sum()),
        pixels=int(train_ids.size))


def convert(src: str,
            out: str,
            classes: str = 'camvid',
            size: Tuple[int, int] = (512, 256),
            max_distance: float = 40.0,
            min_pixels: int = 50,
            jpeg_quality: int = 95,
            numbers: Optional[Dict[str, Sequence[int]]] = None,
            nproc: int = 1) -> dict:
    """Convert both splits of ``src`` into ``out/target``; returns the
    content of ``meta.json``."""
    if classes not in CLASS_SETS:
        raise ValueError(f'classes must be one of {sorted(CLASS_SETS)}, got '
                         f'{classes!r}')
    numbers = numbers or {}
    # Every frame is checked to exist before anything is written.
    split_numbers = {
        split: frame_numbers(osp.join(src, split), numbers.get(split))
        for split in SPLITS
    }
    out_dir = osp.join(out, 'target')
    for folder in ('images', 'masks'):
        os.makedirs(osp.join(out_dir, folder), exist_ok=True)
    threshold = min_pixels_of(size, min_pixels)
    meta = dict(
        classes=list(CLASS_SETS[classes]),
        ignore_index=IGNORE_INDEX,
        source='Cityscapes, the pix2pix copy',
        size=list(size),
        max_colour_distance=max_distance,
        image_labels=dict(
            present_min_pixels=threshold,
            rule=f'present: >= {min_pixels} x area / {CAMVID_FRAME_AREA} '
            'pixels; absent: none; unknown (?k): in between'),
        splits={},
        undecoded_share={})
    for split, frames in split_numbers.items():
        work = partial(
            convert_frame,
            split=split,
            src=src,
            out_dir=out_dir,
            classes=classes,
            size=size,
            max_distance=max_distance,
            threshold=threshold,
            jpeg_quality=jpeg_quality)
        print(f'target/{split}: {len(frames)} frames')
        if nproc > 1:
            results = track_parallel_progress(work, frames, nproc)
        else:
            results = track_progress(work, frames)
        with open(osp.join(out_dir, f'{split}.txt'), 'w') as f:
            f.write(''.join(r['name'] + '\n' for r in results))
        if split == 'train':
            with open(osp.join(out_dir, 'image_labels.txt'), 'w') as f:
                f.write(''.join(
                    format_image_labels(r['name'], r['present'], r['unknown'])
                    + '\n' for r in results))
        meta['splits'][split] = len(results)
        meta['undecoded_share'][split] = round(
            sum(r['undecoded'] for r in results) /
            max(1, sum(r['pixels'] for r in results)), 4)
    with open(osp.join(out_dir, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
    return meta


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert the pix2pix copy of Cityscapes (photo and '
        'colour annotation side by side) for mmseg-srt')
    parser.add_argument('src', help='folder holding train/N.jpg, val/N.jpg')
    parser.add_argument('--out-dir', required=True,
                        help='output folder (the target goes to OUT/target), '
                        'e.g. data/camvid2cityscapes')
    parser.add_argument('--classes', choices=sorted(CLASS_SETS),
                        default='camvid',
                        help="CamVid's 11 classes or Cityscapes' 19 trainIds")
    parser.add_argument('--size', type=int, nargs=2, default=[512, 256],
                        metavar=('W', 'H'),
                        help='output frame size (2:1 restores the aspect)')
    parser.add_argument('--max-distance', type=float, default=40.0,
                        help='a pixel farther than this from every official '
                        'colour (RGB) is unlabelled')
    parser.add_argument('--min-pixels', type=int, default=50,
                        help='present from this many pixels of a 480x360 '
                        'frame, scaled by area')
    parser.add_argument('--jpeg-quality', type=int, default=95)
    for split in SPLITS:
        parser.add_argument(
            f'--{split}-numbers',
            help=f'a file of {split} frame numbers to convert (default: '
            f'every N.jpg in SRC/{split})')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes')
    return parser.parse_args()


def main():
    args = parse_args()
    numbers = {
        split: read_numbers(path)
        for split, path in (('train', args.train_numbers),
                            ('val', args.val_numbers)) if path
    }
    meta = convert(args.src, args.out_dir, args.classes, tuple(args.size),
                   args.max_distance, args.min_pixels, args.jpeg_quality,
                   numbers, args.nproc)
    print(json.dumps(dict(splits=meta['splits'],
                          undecoded_share=meta['undecoded_share']),
                     indent=2))


if __name__ == '__main__':
    main()
