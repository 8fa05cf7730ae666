"""(a) One full SRT training iteration against one source-only iteration over
the same source and target images, and where the difference goes.

    python benchmarks/bench_srt_iteration.py [--config CONFIG] [--threads 1]
        [--load] [--profile]

Both steps run on one real batch of the config (4 source + 4 target crops
for the Kvasir config), read once, so data loading is not timed:

- source-only: the segmentor alone, trained on all 8 images as one labelled
  batch (forward, backward, Adam step);
- SRT: ``SRTAdapter.train_step`` of the config (segmentor on both domains,
  L_C, pseudo labels and their L_S term, L_SRT, the adversarial term, and
  D's own update).

The rest is split by taking one part out at a time (no D, no pseudo labels,
no SRT loss): each part's cost is the full step minus the step without it.
SLIC is not in the step (it runs in the dataloader workers); its cost per
target image, uncached and cached, is printed beside it.
The BL+AL step (the adapter with D, without pseudo labels and SRT) is timed
beside. Target: SRT at most 1.15x the source-only step, and at most 1.15x
the BL+AL step. Default config: configs/srt_kvasir2cvc.py. Medians of
interleaved runs, measured in this one run.

``--profile`` adds a torch.profiler trace of the SRT and BL+AL steps
(``--repeats`` each, twice, interleaved): the time per step inside each of
the adapter's named parts (``srt:...`` scopes: segmentor forward, pseudo
labels with their superpixel refinement and threshold statistics, L_S, SRT,
adversarial term, backward and update, D's step), and the operators whose
own time grows most from the BL+AL step to the SRT step. Differences of the
networks' own operators between the two are noise of the machine: both
steps run the same network on the same images.
"""
import argparse
import copy
import time

import mmcv
from mmengine.runner import Runner

from common import (active_pseudo_labels, add_runtime_arguments, as_labelled,
                    build_model_and_optim, load_config, median_times,
                    one_batch, runtime, segmentor_only)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/srt_kvasir2cvc.py')
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument(
        '--profile',
        action='store_true',
        help='also trace the SRT and BL+AL steps by part and operator')
    add_runtime_arguments(parser)
    return parser.parse_args()


def slic_seconds(cfg, batch, repeats=3):
    """SuperpixelSLIC's time per target image: uncached, and from cache."""
    from mmseg.registry import TRANSFORMS
    steps = [
        s for s in cfg.train_dataloader.dataset.target.pipeline
        if s['type'] == 'SuperpixelSLIC'
    ]
    if not steps:
        return None
    path = batch['target']['data_samples'][0].img_path
    image = mmcv.imread(path)
    step = dict(steps[0], cache_dir=None)
    transform = TRANSFORMS.build(step)
    start = time.perf_counter()
    for _ in range(repeats):
        transform(dict(img=image.copy(), img_path=path))
    uncached = (time.perf_counter() - start) / repeats
    cached = None
    if steps[0].get('cache_dir'):
        transform = TRANSFORMS.build(dict(steps[0]))
        transform(dict(img=image.copy(), img_path=path))  # fills the cache
        start = time.perf_counter()
        for _ in range(repeats):
            transform(dict(img=image.copy(), img_path=path))
        cached = (time.perf_counter() - start) / repeats
    return step['n_segments'], image.shape[:2], uncached, cached


def main():
    args = parse_args()
    with runtime(args):
        measure(args)


def loading_seconds(cfg, batches=12):
    """Seconds per batch of the config's training dataloader with its own
    workers (after their start-up and a warm-up batch each), fetched back
    to back: an upper bound on a step's wait for data."""
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    workers = loader_cfg.get('num_workers', 0)
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    stream = iter(loader)
    for _ in range(max(workers, 1)):
        next(stream)
    start = time.perf_counter()
    for _ in range(batches):
        next(stream)
    return (time.perf_counter() - start) / batches, workers


# The adapter's scopes that a BL+AL step does not run.
ADDED_PARTS = ('srt:pseudo_labels', 'srt:pseudo_label_loss', 'srt:srt_loss',
               'srt:teacher_update')


def traced(functions: dict, repeats: int) -> dict:
    """{name: {event: [own ms, total ms, calls] per call of the function}}
    over ``repeats`` calls, twice, interleaved."""
    from torch.profiler import ProfilerActivity, profile
    tables = {name: {} for name in functions}
    for _ in range(2):
        for name, fn in functions.items():
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                for _ in range(repeats):
                    fn()
            for event in prof.key_averages():
                row = tables[name].setdefault(event.key, [0., 0., 0.])
                row[0] += event.self_cpu_time_total / 1000 / (2 * repeats)
                row[1] += event.cpu_time_total / 1000 / (2 * repeats)
                row[2] += event.count / (2 * repeats)
    return tables


def print_profile(functions: dict, repeats: int, top: int = 12) -> None:
    tables = traced(functions, repeats)
    names = list(functions)
    print(f'profile (torch.profiler, CPU time per step, {2 * repeats} steps '
          'each; the profiler adds its own overhead):')
    print(f'  {"part (inclusive)":34s}' +
          ''.join(f'{name:>10s}' for name in names))
    scopes = sorted({k for t in tables.values() for k in t
                     if k.startswith('srt:')})
    for scope in scopes:
        print(f'  {scope:34s}' + ''.join(
            f'{tables[name].get(scope, [0, 0, 0])[1]:8.1f}ms'
            for name in names))
    totals = [sum(row[0] for row in tables[name].values()) for name in names]
    print(f'  {"all operators (own time)":34s}' +
          ''.join(f'{total:8.1f}ms' for total in totals))
    first, second = names
    # The work the first step has and the second has not, by scope: robust
    # to the machine's noise on the networks' own operators, which both
    # steps share.
    added = sum(
        tables[first].get(scope, [0, 0, 0])[1] -
        tables[second].get(scope, [0, 0, 0])[1]
        for scope in ADDED_PARTS)
    print(f'  parts only {first} runs ({", ".join(ADDED_PARTS)}): '
          f'{added:.1f} ms = {added / totals[1] * 100:.1f} % of {second}\'s '
          f'operators, i.e. {first} / {second} = '
          f'{(totals[1] + added) / totals[1]:.3f}x where the shared network '
          'costs the same (their backward is in backward_and_update)')
    growth = sorted(
        (k for k in tables[first] if not k.startswith('srt:')),
        key=lambda k: tables[second].get(k, [0, 0, 0])[0] - tables[first][k][0]
    )
    print(f'  operators with the most own time added, {second} -> {first} '
          '(calls per step):')
    for key in growth[:top]:
        mine, theirs = tables[first][key], tables[second].get(key, [0, 0, 0])
        print(f'    {key[:40]:40s} {theirs[0]:7.1f} -> {mine[0]:7.1f} ms '
              f'({theirs[2]:.0f} -> {mine[2]:.0f})')


def measure(args):
    cfg = load_config(args.config)
    if cfg.model.get('type') != 'SRTAdapter':
        raise SystemExit(f'{args.config} is not an SRTAdapter config')
    batch = one_batch(cfg)
    labelled = as_labelled(batch)
    pl_overrides = active_pseudo_labels(cfg, batch)
    variants = dict(full={}, without_d=dict(discriminator=None))
    # The EMA teacher only makes pseudo labels: it goes with them.
    no_pl = dict(pseudo_labeler=None)
    if cfg.model.get('teacher_momentum') is not None:
        no_pl['teacher_momentum'] = None
    if cfg.model.get('pseudo_labeler'):
        variants['without_pl'] = no_pl
    if cfg.model.get('srt_loss'):
        variants['without_srt'] = dict(srt_loss=None)
    if 'without_pl' in variants or 'without_srt' in variants:
        # BL+AL: the adapter with D only, the paper's second row.
        variants['bl_al'] = dict(no_pl, srt_loss=None)
    steps = {}
    source_only, source_optim = segmentor_only(cfg)
    steps['source_only'] = lambda: source_only.train_step(
        labelled, source_optim)
    for name, overrides in variants.items():
        model, optim = build_model_and_optim(cfg, **{
            **pl_overrides,
            **overrides
        })
        steps[name] = (lambda m, o: lambda: m.train_step(batch, o))(model,
                                                                    optim)
    times = median_times(steps, repeats=args.repeats)
    base = times['source_only']
    images = len(labelled['inputs'])
    shape = tuple(labelled['inputs'][0].shape[1:])
    print(f'config {args.config}; {images} images of {shape[1]}x{shape[0]} '
          f'per step; median of {args.repeats} interleaved steps')
    print(f'source-only step (same images): {base * 1000:8.1f} ms')
    print(f'SRT step:                       {times["full"] * 1000:8.1f} ms  '
          f'= {times["full"] / base:.3f}x  (target <= 1.15x)')
    if 'bl_al' in times:
        print(f'BL+AL step (D, no PL, no SRT):  '
              f'{times["bl_al"] * 1000:8.1f} ms; SRT / BL+AL = '
              f'{times["full"] / times["bl_al"]:.3f}x  (target <= 1.15x)')
    parts = dict(without_d='discriminator (adv. term + D update)',
                 without_pl='pseudo labels (Eq. 5, Alg. 2, their L_S)',
                 without_srt='SRT centroids and loss (Alg. 3, Eq. 7)')
    parts_total = 0.
    for key, label in parts.items():
        if key in times:
            cost = times['full'] - times[key]
            parts_total += cost
            print(f'  {label:42s} {cost * 1000:8.1f} ms  '
                  f'({cost / base * 100:+5.1f} % of source-only)')
    rest = times['full'] - parts_total
    print(f'  {"the rest: segmentor on both domains, L_C":42s} '
          f'{rest * 1000:8.1f} ms  ({rest / base * 100:5.1f} % of '
          'source-only; two 4-image passes against its one 8-image pass)')
    slic = slic_seconds(cfg, batch)
    if slic:
        n_segments, size, uncached, cached = slic
        per_step = len(batch['target']['inputs'])
        line = (f'SLIC ({n_segments} segments, {size[1]}x{size[0]} frame, '
                f'in the dataloader workers): {uncached * 1000:.1f} ms per '
                f'image uncached = {uncached * per_step / base * 100:.0f} % '
                f'of a source-only step per {per_step}-image target batch')
        if cached is not None:
            line += f'; {cached * 1000:.2f} ms from the cache'
        print(line)
    if args.profile and 'bl_al' in steps:
        print_profile(dict(SRT=steps['full'], BL_AL=steps['bl_al']),
                      args.repeats)
    loading = loading_seconds(cfg)
    print(f'data loading with the config\'s {loading[1]} workers: '
          f'{loading[0] * 1000:.1f} ms per SRT batch fetched back to back '
          f'(= {loading[0] / times["full"] * 100:.0f} % of an SRT step; the '
          'workers prepare batches while the step runs, so a step waits '
          'only for what exceeds it)')


if __name__ == '__main__':
    main()
