"""Where a model's errors on one class lie: a boundary drawn too wide, or
separate false objects.

    python tools/analyze_errors.py CONFIG CKPT [CKPT ...] \
        [--class lesion] [--ring 10] [--dataset target_test] \
        [--out errors.png] [--num-images 6] [--groups sequences.txt] \
        [--bands 8]

For each checkpoint, over every image of the dataset (whole images resized
as the config's test pipeline does), prints the class's IoU, precision and
recall, the predicted area over the true area, and its false positives
split by their distance to the nearest true pixel of the class: *near*
(at most ``--ring`` pixels: the outline drawn wide) and *far* (a separate
false object, or any false pixel in an image without the class), each as a
share of the true area, with the number of images holding more than
``--far-pixels`` far false positives. With ``--groups`` (a text file of
``image group`` lines, the image's file name without its extension: e.g.
CVC-ColonDB's ``sequences.txt``, frame -> video sequence) it prints the same
for every group of images too: frames of one video show one lesion, so a
test split's mIoU is often a handful of lesions, and this shows which. With
``--bands N`` it prints where the false positives lie from the top of the
image to its bottom, in N bands of rows (e.g. a street scene's sky drawn on
the road at the bottom). Pixels the annotation leaves void
(``ignore_index``) are not scored, as in the IoU metric. The
figure shows the images with the most far false positives for the last
checkpoint: the image with the true outline (green), then each checkpoint's
prediction of the class (red).

Checkpoints of different configs compare with one config when their
segmentors match (e.g. Ours and BL: the segmentor is the same).
"""
import argparse
import os.path as osp
from typing import Dict, List

import cv2
import numpy as np
from mmengine.utils import ProgressBar

import mmseg_srt  # noqa: F401  (registers components, safe loading)
from mmseg_srt.apis import (class_index, infer, load_model, masked_dataset,
                            split_errors)
from mmseg_srt.visualization import outline, overlay
from srt_tools.args import config_parser, load_config


def parse_args():
    parser = config_parser(__doc__.split('\n')[0])
    parser.add_argument('--class',
                        dest='class_name',
                        default='lesion',
                        help='the class to analyse (a name of the '
                        "dataset's classes)")
    parser.add_argument('--dataset',
                        default='target_test',
                        help='config key of a dataset with masks')
    parser.add_argument('--ring',
                        type=float,
                        default=10.,
                        help='pixels around the true class within which a '
                        'false positive counts as near')
    parser.add_argument('--far-pixels',
                        type=int,
                        default=200,
                        help='far false positives that make an image count')
    parser.add_argument('--out', default='errors.png', help='the figure')
    parser.add_argument('--num-images', type=int, default=6)
    parser.add_argument('--groups',
                        help='a text file of `image group` lines (image: '
                        'its file name without extension); prints each '
                        "group's figures too")
    parser.add_argument('--bands',
                        type=int,
                        default=0,
                        help='print the false positives in this many bands '
                        'of rows, top to bottom (0: not)')
    return parser.parse_args()


def overlay_errors(image: np.ndarray, predicted: np.ndarray,
                   truth: np.ndarray) -> np.ndarray:
    """Predicted pixels in red over the image, the true outline in green."""
    red = np.array([[255, 0, 0]], dtype=np.uint8)  # RGB
    painted = overlay(image,
                      np.zeros(predicted.shape, dtype=np.int64),
                      red,
                      0.5,
                      where=predicted)
    return outline(painted, truth)


def class_masks(model, item: dict, k: int, ignore_index: int = 255):
    """Boolean masks of class ``k``: predicted (on scored pixels: not
    ``ignore_index``), and true."""
    result = infer(model, item)
    truth = result.data_sample.gt_sem_seg.data[0].numpy()
    predicted = result.probs[0].argmax(0).numpy() == k
    return predicted & (truth != ignore_index), truth == k


def band_counts(mask: np.ndarray, bands: int) -> np.ndarray:
    """(bands,) pixels of ``mask`` in each of ``bands`` bands of rows,
    top to bottom (row r is in band ``r * bands // height``)."""
    band_of_row = np.arange(mask.shape[0]) * bands // mask.shape[0]
    return np.bincount(band_of_row, weights=mask.sum(1),
                       minlength=bands)[:bands]


def read_groups(path: str, image_paths: List[str]) -> List[str]:
    """The group of each image, from ``path``'s ``image group`` lines."""
    groups: Dict[str, str] = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2:
                raise ValueError(f'{path}, line {number}: expected '
                                 f"'image group', got {line.strip()!r}")
            groups[fields[0]] = fields[1]
    names = [osp.splitext(osp.basename(p))[0] for p in image_paths]
    missing = [name for name in names if name not in groups]
    if missing:
        raise KeyError(f'{path} has no group for {len(missing)} image(s) of '
                       f'the dataset, e.g. {missing[:3]}')
    return [groups[name] for name in names]


def summary(counts: np.ndarray, far_counts: np.ndarray,
            args: argparse.Namespace) -> str:
    """IoU, precision, recall and the false positives' split, in words."""
    tp, fn, fp_near, fp_far = (int(c) for c in counts)
    area, predicted_area = tp + fn, tp + fp_near + fp_far
    return (f'IoU {100 * tp / max(predicted_area + fn, 1):.2f}, '
            f'precision {100 * tp / max(predicted_area, 1):.1f}, '
            f'recall {100 * tp / max(area, 1):.1f}, '
            f'predicted / true area {predicted_area / max(area, 1):.2f}; '
            f'false positives near (<= {args.ring:g} px) '
            f'{fp_near / max(area, 1):.3f}, far {fp_far / max(area, 1):.3f} '
            f'of the true area; images with > {args.far_pixels} far: '
            f'{int((far_counts > args.far_pixels).sum())}')


def main():
    args = parse_args()
    cfg = load_config(args)
    dataset = masked_dataset(cfg, args.dataset, args.config)
    k = class_index(dataset, args.class_name, args.config)
    groups = (read_groups(args.groups, [
        dataset.get_data_info(i)['img_path'] for i in range(len(dataset))
    ]) if args.groups else [])
    group_of = np.array(groups)
    ignore_index = getattr(dataset, 'ignore_index', 255)
    for checkpoint in args.checkpoints:
        model = load_model(cfg, checkpoint)
        counts = np.zeros((len(dataset), 4), dtype=np.int64)
        bands = np.zeros(max(args.bands, 1))
        progress = ProgressBar(len(dataset))
        for index in range(len(dataset)):
            predicted, truth = class_masks(model, dataset[index], k,
                                           ignore_index)
            counts[index] = split_errors(predicted, truth, args.ring)
            if args.bands:
                bands += band_counts(predicted & ~truth, args.bands)
            progress.update()
        print()
        far_counts = counts[:, 3]
        print(f'{checkpoint} ({args.class_name}, {len(dataset)} images): '
              f'{summary(counts.sum(0), far_counts, args)}')
        if args.bands:
            shares = ', '.join(f'{100 * b / max(bands.sum(), 1):.1f}'
                               for b in bands)
            print(f'  false positives by band of rows, top to bottom (% of '
                  f'{int(bands.sum())} pixels): {shares}')
        for group in dict.fromkeys(groups):  # first-seen order
            members = group_of == group
            line = summary(counts[members].sum(0), far_counts[members], args)
            print(f'  group {group} ({int(members.sum())} images): {line}')
    # The figure's images, predicted again: keeping every prediction of
    # every checkpoint would hold the whole dataset's masks in memory.
    shown = [
        int(i)
        for i in np.argsort(-far_counts, kind='stable')[:args.num_images]
    ]
    items = [dataset[index] for index in shown]
    images = [item['inputs'].numpy().transpose(1, 2, 0) for item in items]
    truths = [(item['data_samples'].gt_sem_seg.data[0] == k).numpy()
              for item in items]
    cells = [[outline(image, truth)] for image, truth in zip(images, truths)]
    for checkpoint in args.checkpoints:
        model = load_model(cfg, checkpoint)
        for row, item in enumerate(items):
            cells[row].append(
                overlay_errors(images[row],
                               class_masks(model, item, k, ignore_index)[0],
                               truths[row]))
    size = cells[0][0].shape[1::-1]  # images may differ in size
    rows = [
        np.concatenate([cv2.resize(cell, size) for cell in row], axis=1)
        for row in cells
    ]
    cv2.imwrite(args.out, np.concatenate(rows, axis=0))
    print(f'figure: {args.out} (rows: the {len(shown)} images with the most '
          f'far false positives for {args.checkpoints[-1]}; '
          'columns: mask outline, then each checkpoint in order)')


if __name__ == '__main__':
    main()
