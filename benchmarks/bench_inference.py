"""(b) Inference with the classification-refined head (S1 + S2) against a
plain ASPP head on the same backbone.

    python benchmarks/bench_inference.py [--config configs/srt_kvasir2cvc.py]

The config's segmentor twice: as configured (``ClsRefinedASPPHead`` with
S1), and with ``use_classifier=False`` (exactly mmseg's ``ASPPHead``). Both
run ``test_step`` (preprocessing, whole-image forward, resizing to the
original frame) on the first test frames of the config, one per call.
Target: refined at most 1.05x plain. Medians of interleaved runs, measured
in this one run; parameter counts beside.
"""
import argparse
import copy

import torch
from mmengine.dataset import pseudo_collate
from mmseg.registry import DATASETS, MODELS

from common import add_runtime_arguments, load_config, median_times, runtime


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/srt_kvasir2cvc.py')
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--frames', type=int, default=4)
    add_runtime_arguments(parser)
    return parser.parse_args()


def segmentor_cfg(cfg):
    return copy.deepcopy(cfg.model.get('segmentor', cfg.model))


def build(model_cfg):
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model.eval()


def main():
    args = parse_args()
    with runtime(args):
        measure(args)


def measure(args):
    cfg = load_config(args.config)
    refined_cfg = segmentor_cfg(cfg)
    if refined_cfg.decode_head.type != 'ClsRefinedASPPHead':
        raise SystemExit(f'{args.config}: the head is '
                         f'{refined_cfg.decode_head.type}, not '
                         'ClsRefinedASPPHead')
    plain_cfg = copy.deepcopy(refined_cfg)
    plain_cfg.decode_head.use_classifier = False
    models = dict(refined=build(refined_cfg), plain=build(plain_cfg))
    dataset = DATASETS.build(copy.deepcopy(cfg.test_dataloader.dataset))
    batches = [
        pseudo_collate([dataset[i]])
        for i in range(min(args.frames, len(dataset)))
    ]

    def run(model):
        with torch.no_grad():
            for batch in batches:
                model.test_step(batch)

    times = median_times(
        {
            name: (lambda m: lambda: run(m))(model)
            for name, model in models.items()
        },
        repeats=args.repeats)
    shape = batches[0]['inputs'][0].shape[1:]
    per_frame = {k: v / len(batches) for k, v in times.items()}
    params = {
        name: sum(p.numel() for p in model.parameters())
        for name, model in models.items()
    }
    print(f'config {args.config}; {len(batches)} frames of '
          f'{shape[1]}x{shape[0]}, one per call; median of {args.repeats} '
          'interleaved runs')
    for name in ('plain', 'refined'):
        print(f'{name:8s} {per_frame[name] * 1000:8.1f} ms per frame, '
              f'{params[name] / 1e6:.3f} M parameters')
    print(f'refined / plain: {times["refined"] / times["plain"]:.3f}x '
          '(target <= 1.05x)')


if __name__ == '__main__':
    main()
