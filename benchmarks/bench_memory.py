"""(c) Peak memory of (a) and (b): an SRT training step against the
source-only step over the same images, and inference with the refined head
against the plain ASPP head.

    python benchmarks/bench_memory.py [--config configs/srt_kvasir2cvc.py]

Each case runs in a fresh process, so one cannot inherit another's peak:
the model, its optimizer and the batch are built first, then the peak is
reset and three steps run. On a GPU the number is
``torch.cuda.max_memory_allocated``; on CPU it is the rise of the
process's peak resident memory (VmHWM) over what it held before the steps.
Ratios of the same run.
"""
import argparse
import copy
import json
import subprocess
import sys

import torch
from mmengine.dataset import pseudo_collate
from mmseg.registry import DATASETS, MODELS

from common import (active_pseudo_labels, add_runtime_arguments, as_labelled,
                    build_model_and_optim, load_config, one_batch,
                    reset_peak_rss, rss_kib, runtime, segmentor_only)

CASES = ('source_only_step', 'srt_step', 'plain_inference',
         'refined_inference')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/srt_kvasir2cvc.py')
    parser.add_argument('--case', choices=CASES, help=argparse.SUPPRESS)
    add_runtime_arguments(parser)
    return parser.parse_args()


def prepare(cfg, case):
    """The step of ``case``, with everything it needs built."""
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if case.endswith('_step'):
        batch = one_batch(cfg)
        if case == 'srt_step':
            overrides = active_pseudo_labels(cfg, batch)
            model, optim = build_model_and_optim(cfg, **overrides)
            model.to(device)
            return lambda: model.train_step(batch, optim)
        model, optim = segmentor_only(cfg)
        model.to(device)
        labelled = as_labelled(batch)
        return lambda: model.train_step(labelled, optim)
    segmentor = copy.deepcopy(cfg.model.get('segmentor', cfg.model))
    if case == 'plain_inference':
        segmentor.decode_head.use_classifier = False
    model = MODELS.build(segmentor)
    model.init_weights()
    model.to(device).eval()
    dataset = DATASETS.build(copy.deepcopy(cfg.test_dataloader.dataset))
    batch = pseudo_collate([dataset[0]])

    def infer():
        with torch.no_grad():
            model.test_step(batch)

    return infer


def measure(config, case):
    cfg = load_config(config)
    step = prepare(cfg, case)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    else:
        reset_peak_rss()
        before = rss_kib()['now'] * 1024
    for _ in range(3):
        step()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated()
        return dict(kind='cuda max_memory_allocated',
                    peak=peak,
                    rise=peak - before)
    return dict(kind='CPU peak RSS rise',
                peak=rss_kib()['peak'] * 1024,
                rise=rss_kib()['peak'] * 1024 - before)


def main():
    args = parse_args()
    if args.case:
        torch.set_num_threads(args.threads)
        print(json.dumps(measure(args.config, args.case)))
        return
    results = {}
    with runtime(args):
        for case in CASES:
            out = subprocess.run([
                sys.executable, __file__, '--config', args.config, '--case',
                case, '--threads',
                str(args.threads)
            ],
                                 capture_output=True,
                                 text=True,
                                 check=True).stdout
            results[case] = json.loads(out.strip().splitlines()[-1])
    kind = results[CASES[0]]['kind']
    print(f'config {args.config}; {kind}, 3 steps, a fresh process each')
    for case in CASES:
        print(f'{case:18s} {results[case]["rise"] / 2**20:9.1f} MiB')

    def ratio(a, b):
        return results[a]['rise'] / results[b]['rise']

    print(f'SRT step / source-only step: '
          f'{ratio("srt_step", "source_only_step"):.3f}x')
    print(f'refined / plain inference:   '
          f'{ratio("refined_inference", "plain_inference"):.3f}x')


if __name__ == '__main__':
    main()
