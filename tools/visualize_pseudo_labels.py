"""Pseudo labels of target images across training (paper Fig. 4), and their
precision and recall against masks that training never reads.

    python tools/visualize_pseudo_labels.py CONFIG CKPT [CKPT ...] \
        --out pseudo_labels.png [--num-images 6] [--eval] [--cfg-options ...]

For each checkpoint (e.g. iter_500.pth ... iter_2000.pth of one run) the
figure shows, per target image: the image, its mask when the dataset has
one, and the pseudo labels before and after the superpixel refinement
(Eq. 5, then Algorithm 2).

Thresholds: Algorithm 1 needs the predictions of the whole target set, so the
tool makes one pass over the set per checkpoint (with a progress bar) and
computes the thresholds exp(-lambda_k) from the checkpoint's model at the
checkpoint's p (``pseudo_labeler.portion``; ``--portion`` overrides it),
class-balanced and global (woCB). Images are whole frames resized as the
config's test pipeline does, not training crops.

``--eval`` makes a second pass and prints, per checkpoint and per variant
(class-balanced or global threshold, with or without superpixels), the
share of pixels that get a label and each class's precision and recall.
It reads ``--dataset`` (default ``target_test``, which has masks; any config
key, e.g. ``target_train`` for the training frames).
"""
import copy
import os.path as osp
from typing import Dict, List

import numpy as np
import torch
from mmengine.config import Config
from mmengine.utils import ProgressBar

import mmseg_srt  # noqa: F401  (registers components, safe loading)
from mmseg_srt.models.pseudo_labels import (PseudoLabelGenerator,
                                            accumulate_histograms,
                                            thresholds_from_histograms)
from mmseg_srt.apis import (build_dataset, config_transform, dataset_config,
                            has_masks, infer, load_model, whole_image_pipeline)
from mmseg_srt.visualization import colorize, palette_of
from srt_tools.args import config_parser, load_config

VARIANTS = (('CB+SP', True, True), ('CB', True, False), ('SP', False, True),
            ('global', False, False))


def parse_args():
    parser = config_parser(__doc__.split('\n')[0])
    parser.add_argument('--out',
                        default='pseudo_labels.png',
                        help='the figure (PNG)')
    parser.add_argument('--num-images', type=int, default=6)
    parser.add_argument('--dataset',
                        default='target_test',
                        help='config key of the target dataset to read '
                        '(target_test has masks for --eval; '
                        'target_train shows the training frames)')
    parser.add_argument('--portion',
                        type=float,
                        default=None,
                        help='p of Algorithm 1 (default: the checkpoint\'s)')
    parser.add_argument('--eval',
                        action='store_true',
                        help='precision and recall over the whole dataset')
    return parser.parse_args()


def analysis_pipeline(cfg: Config, with_masks: bool) -> List[dict]:
    slic = config_transform(cfg, 'target',
                            'SuperpixelSLIC') or dict(type='SuperpixelSLIC')
    masks = [dict(type='LoadAnnotations')] if with_masks else []
    return whole_image_pipeline(cfg, *masks, slic, dict(type='PackSRTInputs'))


def generator_of(model, num_classes: int) -> PseudoLabelGenerator:
    generator = getattr(model, 'pseudo_labeler', None)
    if generator is None:  # a model trained without: default settings
        generator = PseudoLabelGenerator(num_classes=num_classes)
    return generator


def collect_thresholds(
        model, dataset, portion: float,
        generator: PseudoLabelGenerator) -> Dict[bool, torch.Tensor]:
    """Algorithm 1 over the whole dataset, with the generator's bins and
    scale: class-balanced and global."""
    histograms = torch.zeros_like(generator.histograms, device='cpu')
    scale = generator.histogram_scale
    progress = ProgressBar(len(dataset))
    for index in range(len(dataset)):
        probs = infer(model, dataset[index]).probs
        max_probs, predicted = probs.max(dim=1)
        accumulate_histograms(histograms,
                              max_probs.flatten().cpu(),
                              predicted.flatten().cpu(), scale)
        progress.update()
    print()
    return {
        balanced: thresholds_from_histograms(histograms, portion, balanced,
                                             scale)
        for balanced in (True, False)
    }


def with_thresholds(generator, thresholds) -> PseudoLabelGenerator:
    """A copy of ``generator`` that assigns with ``thresholds``."""
    generator = copy.deepcopy(generator)
    generator.epoch.fill_(max(int(generator.epoch), 1))
    generator.class_thresholds.copy_(thresholds)
    return generator


def pseudo_labels(generator, probs, superpixels, refine: bool):
    labels = generator.assign(probs)
    if refine:
        labels = generator.refine(labels, superpixels)
    return labels[0]


def evaluate(model, generators, dataset, num_classes: int):
    """``generators``: {class_balanced: generator with its thresholds}."""
    counts = {
        name: np.zeros((3, num_classes), dtype=np.int64)
        for name, _, _ in VARIANTS
    }  # rows: true positives, labelled as k, ground truth k
    labelled = {name: 0 for name, _, _ in VARIANTS}
    total = 0
    ignore = generators[True].ignore_index
    progress = ProgressBar(len(dataset))
    for index in range(len(dataset)):
        result = infer(model, dataset[index])
        gt = result.data_sample.gt_sem_seg.data[0]
        superpixels = result.data_sample.gt_superpixels.data
        valid = gt != ignore
        total += int(valid.sum())
        for name, balanced, refine in VARIANTS:
            labels = pseudo_labels(generators[balanced], result.probs,
                                   superpixels, refine)
            labels = torch.where(valid, labels,
                                 torch.full_like(labels, ignore))
            labelled[name] += int((labels != ignore).sum())
            for k in range(num_classes):
                counts[name][0, k] += int(((labels == k) & (gt == k)).sum())
                counts[name][1, k] += int((labels == k).sum())
                counts[name][2, k] += int(((gt == k) & valid).sum())
        progress.update()
    print()
    return counts, labelled, total


def main():
    args = parse_args()
    cfg = load_config(args)
    key = args.dataset
    with_masks = has_masks(dataset_config(cfg, key))
    dataset = build_dataset(cfg, key, analysis_pipeline(cfg, with_masks))
    classes = dataset.metainfo['classes']
    num_classes = len(classes)
    palette = palette_of(dataset.metainfo, num_classes)
    if args.eval and not with_masks:
        raise ValueError(f'--eval needs masks; dataset {key!r} has none '
                         '(pass --dataset target_test or another split '
                         'with masks)')
    rng = np.random.default_rng(0)
    shown = sorted(
        rng.choice(len(dataset), min(args.num_images, len(dataset)), False))
    columns: List[List[np.ndarray]] = [[] for _ in shown]
    titles: List[str] = []
    for checkpoint in args.checkpoints:
        model = load_model(cfg, checkpoint)
        generator = generator_of(model, num_classes)
        portion = args.portion if args.portion is not None else float(
            generator.portion) or generator.portion_start
        name = osp.splitext(osp.basename(checkpoint))[0]
        print(f'{name}: Algorithm 1 over {len(dataset)} images, '
              f'p = {portion:.2f}')
        thresholds = collect_thresholds(model, dataset, portion, generator)
        print(f'{name}: class thresholds '
              f'{[round(float(t), 3) for t in thresholds[True]]}, global '
              f'{float(thresholds[False][0]):.3f}')
        generators = {
            balanced: with_thresholds(generator, thresholds[balanced])
            for balanced in (True, False)
        }
        for row, index in enumerate(shown):
            result = infer(model, dataset[index])
            superpixels = result.data_sample.gt_superpixels.data
            for refine in (False, True):
                labels = pseudo_labels(generators[True], result.probs,
                                       superpixels, refine)
                columns[row].append(colorize(labels.numpy(), palette))
        titles += [f'{name}\nEq. 5', f'{name}\n+ superpixels']
        if args.eval:
            counts, labelled, total = evaluate(model, generators, dataset,
                                               num_classes)
            print(f'{name} (p = {portion:.2f}): pseudo labels vs masks')
            header = '  '.join(f'P.{c:<8} R.{c:<8}' for c in classes)
            print(f'  {"variant":<8} labelled  {header}')
            for variant, _, _ in VARIANTS:
                tp, predicted, truth = counts[variant]
                cells = '  '.join(
                    f'{100 * tp[k] / max(predicted[k], 1):8.2f}  '
                    f'{100 * tp[k] / max(truth[k], 1):8.2f}'
                    for k in range(num_classes))
                print(f'  {variant:<8} {100 * labelled[variant] / total:7.2f}%'
                      f'  {cells}')
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    lead = ['image'] + (['mask'] if with_masks else [])
    all_titles = lead + titles
    figure, axes = plt.subplots(len(shown),
                                len(all_titles),
                                figsize=(2.2 * len(all_titles),
                                         1.9 * len(shown)),
                                squeeze=False)
    for row, index in enumerate(shown):
        item = dataset[index]
        image = item['inputs'].numpy().transpose(1, 2, 0)[..., ::-1]
        panels = [image]
        if with_masks:
            panels.append(
                colorize(item['data_samples'].gt_sem_seg.data[0].numpy(),
                         palette))
        for col, panel in enumerate(panels + columns[row]):
            axes[row, col].imshow(panel)
            axes[row, col].axis('off')
            if row == 0:
                axes[row, col].set_title(all_titles[col], fontsize=7)
    figure.tight_layout()
    figure.savefig(args.out, dpi=120)
    print(f'figure: {args.out} (black: no pseudo label)')


if __name__ == '__main__':
    main()
