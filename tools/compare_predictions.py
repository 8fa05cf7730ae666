"""Several models' predictions side by side on the same test images, in the
dataset's palette: one row per image (the frame, its ground truth, then each
checkpoint's prediction), each prediction titled with its name and its mIoU
on that image.

    python tools/compare_predictions.py CONFIG CKPT [CKPT ...] \
        [--names BL Ours ...] [--num-images 4] [--dataset target_test] \
        --out figure.jpg

Images are spread evenly over the dataset (``--num-images`` of them, whole
frames resized as the config's test pipeline does). Checkpoints of
different configs compare under one config when their segmentors match
(BL's, Ours' and an oracle's do). ``--confusion`` also prints each
checkpoint's confusion over the whole dataset: per true class (row), the
share of its pixels predicted as each class, in percent.
"""
import os.path as osp
from typing import List, Sequence

import cv2
import numpy as np

import mmseg_srt  # noqa: F401  (registers components, safe loading)
from mmseg_srt.apis import infer, load_model, masked_dataset
from mmseg_srt.visualization import colorize, palette_of
from srt_tools.args import config_parser, load_config

IGNORE_INDEX = 255


def confusion(predicted: np.ndarray, truth: np.ndarray,
              num_classes: int) -> np.ndarray:
    """(K, K) pixel counts, rows true classes, columns predicted ones
    (ignored pixels left out)."""
    valid = truth != IGNORE_INDEX
    return np.bincount(
        truth[valid].astype(np.int64) * num_classes + predicted[valid],
        minlength=num_classes**2).reshape(num_classes, num_classes)


def image_miou(predicted: np.ndarray, truth: np.ndarray,
               num_classes: int) -> float:
    """Mean IoU over the classes present in the truth or the prediction of
    one image (ignored pixels left out)."""
    counts = confusion(predicted, truth, num_classes)
    hits = np.diag(counts)
    unions = counts.sum(axis=0) + counts.sum(axis=1) - hits
    present = unions > 0
    if not present.any():
        return float('nan')
    return 100 * float(np.mean(hits[present] / unions[present]))


def print_confusion(name: str, counts: np.ndarray,
                    classes: Sequence[str]) -> None:
    width = max(len(c) for c in classes)
    print(f'{name}: confusion (% of each true class\'s pixels)')
    print(' ' * (width + 1) + ' '.join(f'{c[:5]:>5}' for c in classes))
    totals = np.maximum(counts.sum(axis=1, keepdims=True), 1)
    for name_k, row in zip(classes, 100 * counts / totals):
        print(f'{name_k:>{width}} ' + ' '.join(f'{v:5.1f}' for v in row))


def evenly_spaced(count: int, total: int) -> List[int]:
    count = min(count, total)
    return [int(i) for i in np.linspace(0, total - 1, count).round()]


def titled(image_rgb: np.ndarray, title: str) -> np.ndarray:
    """The image with a title bar above it (BGR out)."""
    bar = np.full((22, image_rgb.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, title, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([bar, image_rgb[..., ::-1]], axis=0)


def legend(classes: Sequence[str], palette: np.ndarray,
           width: int) -> np.ndarray:
    """One line of colour swatches with the class names (BGR)."""
    height, x = 24, 4
    bar = np.full((height, width, 3), 255, np.uint8)
    for name, colour in zip(classes, palette):
        cv2.rectangle(bar, (x, 5), (x + 14, 19),
                      tuple(int(c) for c in colour[::-1]), -1)
        cv2.putText(bar, name, (x + 18, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 0, 0), 1, cv2.LINE_AA)
        x += 26 + 8 * len(name)
    return bar


def parse_args():
    parser = config_parser(
        __doc__.split('\n')[0],
        config_help='config whose segmentor and dataset are used',
        checkpoint_help='checkpoints to compare')
    parser.add_argument('--names', nargs='+',
                        help='one title per checkpoint (default: file names)')
    parser.add_argument('--dataset', default='target_test',
                        help='dataset key of the config (with masks)')
    parser.add_argument('--num-images', type=int, default=4)
    parser.add_argument('--out', required=True, help='figure file')
    parser.add_argument('--confusion', action='store_true',
                        help='print each checkpoint\'s confusion over the '
                        'whole dataset')
    return parser.parse_args()


def main():
    args = parse_args()
    names = args.names or [osp.basename(c) for c in args.checkpoints]
    if len(names) != len(args.checkpoints):
        raise SystemExit(f'--names gives {len(names)} names for '
                         f'{len(args.checkpoints)} checkpoints')
    cfg = load_config(args)
    dataset = masked_dataset(cfg, args.dataset, args.config)
    classes = dataset.metainfo['classes']
    palette = palette_of(dataset.metainfo)
    models = [load_model(cfg, checkpoint) for checkpoint in args.checkpoints]
    rows = []
    for index in evenly_spaced(args.num_images, len(dataset)):
        item = dataset[index]
        truth = item['data_samples'].gt_sem_seg.data[0].numpy()
        image = cv2.imread(item['data_samples'].img_path)
        image = cv2.resize(image, truth.shape[::-1])[..., ::-1]
        frame = osp.splitext(osp.basename(item['data_samples'].img_path))[0]
        tiles = [titled(image, frame), titled(colorize(truth, palette),
                                              'ground truth')]
        for name, model in zip(names, models):
            predicted = infer(model, item).probs[0].argmax(0).numpy()
            score = image_miou(predicted, truth, len(classes))
            tiles.append(
                titled(colorize(predicted, palette), f'{name} {score:.1f}'))
        rows.append(np.concatenate(tiles, axis=1))
    figure = np.concatenate(rows, axis=0)
    figure = np.concatenate(
        [figure, legend(classes, palette, figure.shape[1])], axis=0)
    cv2.imwrite(args.out, figure)
    print(f'{args.out}: {len(rows)} images x {len(models)} models')
    if args.confusion:
        for name, model in zip(names, models):
            counts = np.zeros((len(classes), len(classes)), np.int64)
            for index in range(len(dataset)):
                item = dataset[index]
                truth = item['data_samples'].gt_sem_seg.data[0].numpy()
                predicted = infer(model, item).probs[0].argmax(0).numpy()
                counts += confusion(predicted, truth, len(classes))
            print_confusion(name, counts, classes)


if __name__ == '__main__':
    main()
