"""How far the image-label veto reaches: the share of a model's pixels
whose class the image-level labels say is absent, per class.

    python tools/analyze_image_label_veto.py CONFIG CKPT [CKPT ...] \
        [--dataset target_train] [--teacher] [--threshold 0.968]

ST-Mix's pseudo labels (``ConfidencePseudoLabeler`` with
``use_image_labels``) never name a class that the target image's labels say
is absent: the veto relabels those pixels with the best allowed class and
renormalises their confidence. When a model rarely predicts absent classes
the veto has little to change, whatever it is worth in principle. For each
checkpoint, over every image of ``--dataset`` (a dataset with image-level
labels; whole frames resized as the config's test pipeline does, not
training crops), the tool prints per class the pixels predicted as it, the
share of them in images whose labels say it is absent (the pixels the veto
relabels), the same share among the confident pixels (top probability at
least ``--threshold``, default the config's ``pseudo_labeler``'s), and in how
many images the class is absent; then the mean image weight (the confident
share, DAFormer's) without and with the veto. ``--teacher`` reads the EMA
teacher's weights, the model that labels ST-Mix's target crops, instead of
the segmentor's. The model runs in eval mode, with its batch norms' running
statistics; in training ST-Mix's teacher normalises a batch of crops by the
batch's own (``teacher_norm_stats='batch'``; tools/analyze_norm_stats.py
shows how much that changes the predictions).
"""

import torch
from mmengine.config import Config
from mmengine.utils import ProgressBar

import mmseg_srt  # noqa: F401  (registers components, safe loading)
from mmseg_srt.apis import (build_dataset, infer, load_model, veto_reach,
                            whole_image_pipeline)
from mmseg_srt.models.pseudo_labels import CONFIDENCE_THRESHOLD
from srt_tools.args import config_parser, load_config


def parse_args():
    parser = config_parser(__doc__.split('\n')[0])
    parser.add_argument('--dataset',
                        default='target_train',
                        help='config key of a dataset with image-level '
                        'labels')
    parser.add_argument('--teacher',
                        action='store_true',
                        help="the EMA teacher's weights instead of the "
                        "segmentor's (a run with teacher_momentum)")
    parser.add_argument('--threshold',
                        type=float,
                        default=None,
                        help='top probability of a confident pixel '
                        "(default: the config's pseudo_labeler's, else "
                        f'{CONFIDENCE_THRESHOLD})')
    return parser.parse_args()


def confidence_threshold(cfg: Config, threshold) -> float:
    if threshold is not None:
        return threshold
    labeler = cfg.model.get('pseudo_labeler') or {}
    return labeler.get('confidence_threshold', CONFIDENCE_THRESHOLD)


def labelling_model(cfg: Config, checkpoint: str, teacher: bool):
    """The checkpoint's segmentor, or its EMA teacher's copy."""
    model = load_model(cfg, checkpoint)
    if not teacher:
        return model
    if getattr(model, 'teacher', None) is None:
        raise SystemExit('--teacher: the config\'s model has no EMA teacher '
                         '(model.teacher_momentum)')
    if not model.teacher_ready:  # the checkpoint held no teacher
        raise SystemExit(f'{checkpoint}: no EMA teacher weights')
    return model.teacher.module


def main():
    args = parse_args()
    cfg = load_config(args)
    threshold = confidence_threshold(cfg, args.threshold)
    dataset = build_dataset(cfg, args.dataset,
                            whole_image_pipeline(cfg,
                                                 dict(type='PackSRTInputs')))
    classes = dataset.metainfo['classes']
    for checkpoint in args.checkpoints:
        model = labelling_model(cfg, checkpoint, args.teacher)
        totals, weights, pixels = None, torch.zeros(2), 0
        progress = ProgressBar(len(dataset))
        for index in range(len(dataset)):
            result = infer(model, dataset[index])
            sample = result.data_sample
            if 'gt_image_labels' not in sample:
                raise SystemExit(
                    f'{sample.img_path}: no image-level labels in '
                    f'--dataset {args.dataset}')
            reach = veto_reach(result.probs, sample.gt_image_labels[None],
                               sample.gt_image_label_weights[None],
                               threshold)
            counts = torch.stack(reach[:5])
            totals = counts if totals is None else totals + counts
            weights += torch.cat([reach.weight, reach.weight_with_veto])
            pixels += result.probs[0, 0].numel()
            progress.update()
        print()
        model_name = 'EMA teacher' if args.teacher else 'segmentor'
        print(f'{checkpoint} ({model_name}, {args.dataset}: {len(dataset)} '
              f'images, {pixels} pixels; confident: top probability >= '
              f'{threshold:g})')
        print(f'{"class":<16}{"predicted":>10}{"vetoed %":>10}'
              f'{"confident":>11}{"vetoed %":>10}{"absent in":>11}')
        predicted, vetoed, confident, confident_vetoed, absent = totals
        for k, name in enumerate(classes):
            print(f'{name:<16}{int(predicted[k]):>10}'
                  f'{percent(vetoed[k], predicted[k]):>10}'
                  f'{int(confident[k]):>11}'
                  f'{percent(confident_vetoed[k], confident[k]):>10}'
                  f'{int(absent[k]):>11}')
        print(f'{"all":<16}{int(predicted.sum()):>10}'
              f'{percent(vetoed.sum(), predicted.sum()):>10}'
              f'{int(confident.sum()):>11}'
              f'{percent(confident_vetoed.sum(), confident.sum()):>10}')
        mean = weights / len(dataset) * 100
        print(f'image weight (confident share, mean): {mean[0]:.2f} % '
              f'without the veto, {mean[1]:.2f} % with it')


def percent(part: torch.Tensor, whole: torch.Tensor) -> str:
    return f'{100 * float(part) / float(whole):.2f}' if whole else '-'


if __name__ == '__main__':
    main()
