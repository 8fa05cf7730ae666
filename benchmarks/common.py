"""What the benchmark scripts share: models and one real batch from a
config, the same images for the source-only comparison, interleaved median
timing, and peak memory."""
import argparse
import contextlib
import copy
import gc
import os
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.registry import MODELS

import mmseg_srt  # noqa: F401  (registers the components)

# The competing job of --load: one thread of dense float work with a working
# set beyond the caches, as a training job beside the benchmark would be.
_COMPETITOR = """
import numpy as np
a = np.random.default_rng(0).random((768, 768))
while True:
    a = a @ a
    a /= np.abs(a).max()
"""


def add_runtime_arguments(parser: argparse.ArgumentParser) -> None:
    """--threads and --load, which every benchmark takes."""
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch threads of the measured code (default 1: a figure that '
        'holds when other jobs share the machine)')
    parser.add_argument(
        '--load',
        action='store_true',
        help='measure beside a competing single-thread job started here')


@contextlib.contextmanager
def runtime(args):
    """Set the thread count; with ``args.load`` run the competing job for
    the duration. Prints one line saying which."""
    torch.set_num_threads(args.threads)
    os.environ['OMP_NUM_THREADS'] = str(args.threads)  # child processes
    competitor = None
    if args.load:
        competitor = subprocess.Popen([sys.executable, '-c', _COMPETITOR],
                                      env=dict(os.environ,
                                               OMP_NUM_THREADS='1',
                                               MKL_NUM_THREADS='1',
                                               OPENBLAS_NUM_THREADS='1'))
        time.sleep(1.0)  # let it reach its loop
    company = ('beside a competing single-thread job'
               if competitor else 'nothing else started')
    print(
        f'[{torch.get_num_threads()} torch thread(s); {company}; '
        f'{os.cpu_count()} CPUs]',
        flush=True)
    try:
        yield
    finally:
        if competitor is not None:
            competitor.terminate()
            competitor.wait()


def load_config(path: str) -> Config:
    # Quiet: no per-parameter optimizer lines between the results.
    MMLogger.get_instance('benchmark', log_level='WARNING')
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    torch.manual_seed(0)
    return cfg


def train_loader(cfg: Config):
    """The config's training dataloader, built in this process (no
    workers): its datasets and sampler."""
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(num_workers=0, persistent_workers=False)
    return Runner.build_dataloader(loader_cfg, seed=0)


def one_batch(cfg: Config) -> dict:
    """The first training batch of the config (its real pipeline), read
    once in this process (no workers)."""
    return next(iter(train_loader(cfg)))


def build_model_and_optim(cfg: Config, **model_overrides):
    """The config's model with ``model_overrides`` merged into it, and its
    optimizer wrapper(s), in training mode."""
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.update(model_overrides)
    model = MODELS.build(model_cfg)
    model.init_weights()
    optim_cfg = copy.deepcopy(cfg.optim_wrapper)
    if model_cfg.get('type') == 'SRTAdapter' and \
            model_cfg.get('discriminator') is None:
        optim_cfg.pop('discriminator', None)
    return model.train(), build_optim_wrapper(model, optim_cfg)


def active_pseudo_labels(cfg: Config, batch: dict) -> dict:
    """Model overrides that end the pseudo-label epoch after one batch, so
    every step after the first (warm-up) one makes labels and trains on
    them; empty without Algorithm 1's generator (others have no epoch)."""
    labeler = cfg.model.get('pseudo_labeler')
    if not labeler or labeler.get('type') != 'PseudoLabelGenerator':
        return {}
    return dict(
        pseudo_labeler=dict(cfg.model.pseudo_labeler,
                            samples_per_epoch=len(batch['target']['inputs'])))


def segmentor_only(cfg: Config):
    """The adapter's segmentor alone with its own optimizer: the
    source-only step."""
    model = MODELS.build(copy.deepcopy(cfg.model.segmentor))
    model.init_weights()
    optim = build_optim_wrapper(model,
                                copy.deepcopy(cfg.optim_wrapper.segmentor))
    return model.train(), optim


def as_labelled(batch: dict) -> dict:
    """Source and target images of an SRT batch as one labelled batch (the
    target's labels are zeros: the cost does not depend on their values),
    so that the source-only step sees exactly the same images."""
    samples = []
    for sample in batch['target']['data_samples']:
        sample = copy.deepcopy(sample)
        height, width = sample.img_shape
        pad = sample.get('pad_shape', (height, width))
        sample.gt_sem_seg = PixelData(
            data=torch.zeros((1, *pad), dtype=torch.long))
        samples.append(sample)
    return dict(inputs=list(batch['source']['inputs']) +
                list(batch['target']['inputs']),
                data_samples=list(batch['source']['data_samples']) + samples)


def median_times(functions: Dict[str, Callable[[], object]],
                 repeats: int = 10,
                 warmup: int = 2) -> Dict[str, float]:
    """Median seconds of each function, called in turn (round-robin), so
    that drift of the machine hits every candidate alike."""
    for fn in functions.values():
        for _ in range(warmup):
            fn()
    times: Dict[str, List[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def rss_kib() -> Dict[str, int]:
    """This process's resident memory now and at its peak (Linux)."""
    values = {}
    with open('/proc/self/status') as f:
        for line in f:
            key, _, rest = line.partition(':')
            if key in ('VmRSS', 'VmHWM'):
                values[key] = int(rest.split()[0])
    return dict(now=values['VmRSS'], peak=values['VmHWM'])


def reset_peak_rss() -> None:
    """Make VmHWM restart from the current RSS (Linux >= 4.0)."""
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
