"""How a model's predictions of one class change with the statistics its
batch norms use: the running ones (eval mode: test time, and an EMA
teacher's pseudo labels by default) or each batch's own (a training step's
forward: the paper's pseudo labels, ``teacher_norm_stats='batch'``).

    python tools/analyze_norm_stats.py CONFIG CKPT [CKPT ...] \
        [--class lesion] [--dataset target_test] [--batch-size 4]

For each checkpoint, over every image of the dataset (whole images resized
as the config's test pipeline does, ``--batch-size`` at a time as a
training step sees them; the images must share a size), prints the class's
IoU, precision, recall and predicted area over the true area, with running
and with batch statistics; for the segmentor and, when the config's model
has an EMA teacher (``--cfg-options model.teacher_momentum=...`` as the
run had it) and the checkpoint holds one, for the teacher. A pseudo-label
source that marks the class much larger or smaller than the model at test
time feeds self-training that size.
"""
from typing import Iterator, List, Tuple

import numpy as np

import mmseg_srt  # noqa: F401  (registers components, safe loading)
from mmseg_srt.apis import (batch_norm_statistics, class_index,
                            infer_batch, load_model, masked_dataset)
from mmseg_srt.utils import require_checkpoints
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
    parser.add_argument('--batch-size',
                        type=int,
                        default=4,
                        help='images per forward (batch statistics need 2 '
                        'or more)')
    return parser.parse_args()


def batches(size: int, batch_size: int) -> Iterator[Tuple[List[int], int]]:
    """Index batches covering ``range(size)``, each of ``batch_size`` images
    (the last one reaches back so that no batch is smaller), with how many
    of its first images were counted in an earlier batch."""
    for start in range(0, size, batch_size):
        first = max(0, min(start, size - batch_size))
        yield list(range(first, min(first + batch_size, size))), start - first


def class_counts(model, dataset, k: int, batch_size: int) -> np.ndarray:
    """True positives, false positives, false negatives of class ``k``."""
    counts = np.zeros(3, dtype=np.int64)
    for indices, skip in batches(len(dataset), batch_size):
        result = infer_batch(model, [dataset[i] for i in indices])
        predicted = result.probs.argmax(dim=1)[skip:] == k
        truth = np.stack([
            sample.gt_sem_seg.data[0].numpy()
            for sample in result.data_sample[skip:]
        ]) == k
        predicted = predicted.numpy()
        counts += [(predicted & truth).sum(), (predicted & ~truth).sum(),
                   (~predicted & truth).sum()]
    return counts


def describe(counts: np.ndarray) -> str:
    tp, fp, fn = (int(c) for c in counts)
    ratio = lambda a, b: a / b if b else float('nan')  # noqa: E731
    return (f'IoU {100 * ratio(tp, tp + fp + fn):.2f}, precision '
            f'{100 * ratio(tp, tp + fp):.1f}, recall '
            f'{100 * ratio(tp, tp + fn):.1f}, predicted / true area '
            f'{ratio(tp + fp, tp + fn):.2f}')


def main():
    args = parse_args()
    require_checkpoints(args.checkpoints)
    if args.batch_size < 2:
        raise ValueError('--batch-size must be 2 or more: batch statistics '
                         'of one image are undefined where a layer pools '
                         'it to one value')
    cfg = load_config(args)
    dataset = masked_dataset(cfg, args.dataset, args.config)
    k = class_index(dataset, args.class_name, args.config)
    if len(dataset) < args.batch_size:
        raise ValueError(f'dataset {args.dataset!r} has {len(dataset)} '
                         f'images, fewer than --batch-size {args.batch_size}')
    for checkpoint in args.checkpoints:
        model = load_model(cfg, checkpoint)
        nets = [('segmentor', model)]
        # a checkpoint without a teacher leaves it as built (not ready)
        if getattr(model, 'teacher_ready', False):
            nets.append(('teacher', model.teacher.module.eval()))
        for name, net in nets:
            running = class_counts(net, dataset, k, args.batch_size)
            with batch_norm_statistics(net):
                batch = class_counts(net, dataset, k, args.batch_size)
            for stats, counts in (('running', running), ('batch', batch)):
                print(f'{checkpoint} {name}, {stats} statistics '
                      f'({args.class_name}, {len(dataset)} images): '
                      f'{describe(counts)}')


if __name__ == '__main__':
    main()
