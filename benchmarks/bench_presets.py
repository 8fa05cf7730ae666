"""(f) One training step of several presets against the first one, and each
step's peak memory, and the time to build each one's training dataloader:
what a preset's parts cost.

    python benchmarks/bench_presets.py CONFIG [CONFIG ...] [--repeats 10]
        [--threads 1] [--load]

Every config's model takes its own optimizer step (``train_step``) on ONE
real batch, the first config's first training batch (read once, so data
loading is not timed): the configs must share their training data's shape
(e.g. the rows of one benchmark, which share a dataset base). Pseudo-label
generators of Algorithm 1 end their epoch after that batch, so every timed
step makes labels. Steps run round-robin, medians; then each config's peak
memory rise over 3 steps, in a fresh process each (as
``bench_memory.py``); then each config's training dataloader built without
workers (its datasets and sampler: rare-class sampling counts the classes of
every source label map there, once per run), the faster of two builds.
Ratios are to the first config, measured in this run.
"""
import argparse
import json
import subprocess
import sys
import time

import torch

from common import (active_pseudo_labels, add_runtime_arguments,
                    build_model_and_optim, load_config, median_times,
                    one_batch, reset_peak_rss, rss_kib, runtime,
                    train_loader)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='the first is the base')
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--memory-of', help=argparse.SUPPRESS)
    add_runtime_arguments(parser)
    return parser.parse_args()


def training_step(config: str, batch: dict):
    cfg = load_config(config)
    model, optim = build_model_and_optim(cfg,
                                         **active_pseudo_labels(cfg, batch))
    return lambda: model.train_step(batch, optim)


def loader_build_seconds(config: str) -> float:
    """The faster of two builds of the config's training dataloader (no
    workers), in seconds."""
    cfg = load_config(config)
    times = []
    for _ in range(2):
        start = time.perf_counter()
        train_loader(cfg)
        times.append(time.perf_counter() - start)
    return min(times)


def peak_rise(config: str, batch_config: str) -> int:
    """Bytes the peak resident memory rises over 3 steps (this process)."""
    batch = one_batch(load_config(batch_config))
    step = training_step(config, batch)
    reset_peak_rss()
    before = rss_kib()['now']
    for _ in range(3):
        step()
    return (rss_kib()['peak'] - before) * 1024


def main():
    args = parse_args()
    if args.memory_of:
        torch.set_num_threads(args.threads)
        print(json.dumps(peak_rise(args.memory_of, args.configs[0])))
        return
    with runtime(args):
        batch = one_batch(load_config(args.configs[0]))
        steps = {c: training_step(c, batch) for c in args.configs}
        times = median_times(steps, repeats=args.repeats)
        rises = {}
        for config in args.configs:
            out = subprocess.run(
                [sys.executable, __file__, *args.configs, '--memory-of',
                 config, '--threads', str(args.threads)],
                capture_output=True, text=True, check=True).stdout
            rises[config] = json.loads(out.strip().splitlines()[-1])
        builds = {c: loader_build_seconds(c) for c in args.configs}
    base = args.configs[0]
    print(f'batch: the first of {base}; medians of {args.repeats} steps; '
          'CPU peak RSS rise over 3 steps, a fresh process each; '
          'training dataloader build, the faster of two')
    for config in args.configs:
        print(f'{config}: {times[config] * 1000:8.1f} ms = '
              f'{times[config] / times[base]:.3f}x; '
              f'{rises[config] / 2**20:7.1f} MiB = '
              f'{rises[config] / rises[base]:.3f}x; '
              f'loader {builds[config]:6.2f} s = '
              f'{builds[config] / builds[base]:.3f}x')


if __name__ == '__main__':
    main()
