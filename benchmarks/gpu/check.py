"""The one-shot GPU check: the paper's step on a GPU, and a short real run.

    python benchmarks/gpu/check.py --data-root CARRY/data/kvasir2cvc
        [--iters 200] [--repeats 10] [--out table.md]

Run by ``benchmarks/gpu/run.sh`` after ``install.py``; prints one table:

1. The paper's configuration (``configs/srt_gta2cityscapes.py``: DeepLab-v3
   ResNet-50 OS8, 19 classes, batch 4 source + 4 target crops of 512x512):
   one source-only step (the segmentor alone on the same 8 images) against
   one full SRT step (segmentor on both domains, L_C, adversarial term and
   D's update, pseudo labels with Algorithm 2, SRT), medians of interleaved
   steps, and each step's peak GPU memory (a fresh model each, 3 steps).
   The images are synthetic (no GTA5 or Cityscapes here), written at the
   datasets' sizes and read through the config's own pipelines; the
   backbone starts from random weights (timing does not depend on them).
2. ``--iters`` iterations of the Kvasir-SEG -> CVC-ClinicDB ResNet-50
   configs (``configs/kvasir2cvc/{source-only,srt}_deeplabv3-r50-d8_10k.py``)
   with ``tools/train.py`` on the real frames of ``--data-root`` (a subset
   made by pack.py), validated on its target test frames at the end: time
   per iteration (mmengine's log, data loading included), peak memory and
   the mIoU after those iterations (a check that training and evaluation
   run on CUDA, not a result: random backbone, few iterations).
"""
import argparse
import gc
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(HERE))
sys.path.insert(0, osp.dirname(HERE))  # benchmarks/common.py

PAPER_CONFIG = 'configs/srt_gta2cityscapes.py'
KVASIR_CONFIGS = ('configs/kvasir2cvc/source-only_deeplabv3-r50-d8_10k.py',
                  'configs/kvasir2cvc/srt_deeplabv3-r50-d8_10k.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--data-root',
        help='converted Kvasir-SEG -> CVC-ClinicDB frames (pack.py subset); '
        'without it part 2 is skipped')
    parser.add_argument('--iters', type=int, default=200)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument(
        '--crop',
        type=int,
        default=512,
        help="part 1's crop side (the paper's 512; smaller for a CPU "
        'smoke test)')
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--work-dir', default='work_dirs/gpu_check')
    parser.add_argument('--out', help='also write the table to this file')
    return parser.parse_args(argv)


def write_urban(root: str, count: int = 8, seed: int = 0) -> None:
    """Synthetic GTA5 (1280x720, 19-class masks) and Cityscapes (1024x512,
    image labels) folders in the layouts the converters write: blocks of
    colour per class, so that SLIC and the masks have structure."""
    import cv2
    rng = np.random.default_rng(seed)
    colours = rng.integers(0, 256, (19, 3), dtype=np.uint8)

    def frame(height, width):
        cells = rng.integers(0, 19, (9, 16)).astype(np.uint8)
        labels = cv2.resize(cells, (width, height),
                            interpolation=cv2.INTER_NEAREST)
        image = colours[labels].astype(np.int16)
        image += rng.integers(-20, 21, image.shape, dtype=np.int16)
        return np.clip(image, 0, 255).astype(np.uint8), labels

    gta, city = osp.join(root, 'gta'), osp.join(root, 'cityscapes')
    for sub in ('gta/images', 'gta/labels', 'cityscapes/leftImg8bit'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    names = [f'{k:05d}' for k in range(count)]
    image_labels = []
    for name in names:
        image, labels = frame(720, 1280)
        cv2.imwrite(osp.join(gta, 'images', name + '.png'), image)
        cv2.imwrite(osp.join(gta, 'labels', name + '_labelTrainIds.png'),
                    labels)
        image, labels = frame(512, 1024)
        cv2.imwrite(osp.join(city, 'leftImg8bit', name + '_leftImg8bit.png'),
                    image)
        classes = ' '.join(str(k) for k in np.unique(labels))
        image_labels.append(f'{name} {classes}\n')
    for folder in (gta, city):
        with open(osp.join(folder, 'train.txt'), 'w') as f:
            f.writelines(name + '\n' for name in names)
    with open(osp.join(city, 'image_labels_train.txt'), 'w') as f:
        f.writelines(image_labels)


def paper_config(data: str, crop: int):
    """The paper config reading the synthetic folders; random backbone."""
    from common import load_config
    cfg = load_config(osp.join(REPO, PAPER_CONFIG))
    cfg.model.segmentor.backbone.init_cfg = None
    cfg.model.segmentor.data_preprocessor.size = (crop, crop)
    dataset = cfg.train_dataloader.dataset
    dataset.source.data_root = osp.join(data, 'gta')
    dataset.target.data_root = osp.join(data, 'cityscapes')
    for step in dataset.source.pipeline + dataset.target.pipeline:
        if step['type'] == 'RandomCrop':
            step['crop_size'] = (crop, crop)
        if step['type'] == 'SuperpixelSLIC':
            step['cache_dir'] = osp.join(data, 'superpixels')
    return cfg


def peak_memory(build, batch, device, steps=3):
    """Peak GPU memory (MiB) of ``steps`` training steps of a fresh model
    (weights, optimizer state and activations)."""
    import torch
    if not str(device).startswith('cuda'):
        return None
    gc.collect()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats(device)
    model, optim = build()
    model.to(device)
    for _ in range(steps):
        model.train_step(batch, optim)
    torch.cuda.synchronize(device)
    peak = torch.cuda.max_memory_allocated(device) / 2**20
    del model, optim
    return peak


def part_paper_step(args, work):
    from common import (active_pseudo_labels, as_labelled,
                        build_model_and_optim, median_times, one_batch,
                        segmentor_only)
    data = osp.join(work, 'urban')
    write_urban(data)
    cfg = paper_config(data, args.crop)
    batch = one_batch(cfg)
    labelled = as_labelled(batch)
    overrides = active_pseudo_labels(cfg, batch)

    def build_source_only():
        return segmentor_only(cfg)

    def build_srt():
        return build_model_and_optim(cfg, **overrides)

    # The full step, and the step without one part at a time: each part's
    # cost is the difference (as benchmarks/bench_srt_iteration.py).
    variants = dict(srt={}, without_d=dict(discriminator=None))
    if cfg.model.get('pseudo_labeler'):
        variants['without_pl'] = dict(pseudo_labeler=None)
    if cfg.model.get('srt_loss'):
        variants['without_srt'] = dict(srt_loss=None)
    model, optim = build_source_only()
    model.to(args.device)
    steps = {
        'source_only': (lambda m, o: lambda: m.train_step(labelled, o))(model,
                                                                        optim)
    }
    for name, extra in variants.items():
        model, optim = build_model_and_optim(cfg, **{**overrides, **extra})
        model.to(args.device)
        steps[name] = (lambda m, o: lambda: m.train_step(batch, o))(model,
                                                                    optim)
    del model, optim
    times = median_times(steps, repeats=args.repeats)
    del steps
    memory = dict(source_only=peak_memory(build_source_only, labelled,
                                          args.device),
                  srt=peak_memory(build_srt, batch, args.device))
    images = len(labelled['inputs'])
    shape = tuple(labelled['inputs'][0].shape[1:])
    return dict(images=images,
                shape=shape,
                times=times,
                memory=memory,
                ratio=times['srt'] / times['source_only'])


def read_scalars(work_dir: str):
    """mmengine's vis_data/scalars.json of the newest run in ``work_dir``."""
    runs = sorted(
        d for d in os.listdir(work_dir)
        if osp.isfile(osp.join(work_dir, d, 'vis_data', 'scalars.json')))
    if not runs:
        return []
    path = osp.join(work_dir, runs[-1], 'vis_data', 'scalars.json')
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def part_kvasir(args, work):
    """Each R50 Kvasir config for --iters iterations with tools/train.py."""
    space = osp.join(work, 'kvasir')
    os.makedirs(osp.join(space, 'data'), exist_ok=True)
    link = osp.join(space, 'data', 'kvasir2cvc')
    if not osp.exists(link):
        os.symlink(osp.abspath(args.data_root), link)
    rows = []
    for config in KVASIR_CONFIGS:
        name = osp.basename(config)[:-3]
        work_dir = osp.join(space, name)
        backbone = ('model.segmentor.backbone'
                    if 'srt' in name else 'model.backbone')
        command = [
            sys.executable,
            osp.join(REPO, 'tools', 'train.py'),
            osp.join(REPO, config), '--work-dir', work_dir, '--cfg-options',
            f'train_cfg.max_iters={args.iters}',
            f'train_cfg.val_interval={args.iters}',
            f'default_hooks.checkpoint.interval={args.iters}',
            'default_hooks.logger.interval=20', f'{backbone}.init_cfg=None',
            'randomness.seed=0'
        ]
        start = time.perf_counter()
        result = subprocess.run(command,
                                cwd=space,
                                capture_output=True,
                                text=True)
        wall = time.perf_counter() - start
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-6000:])
            rows.append(dict(config=config, error=result.returncode))
            continue
        scalars = read_scalars(work_dir)
        train = [s for s in scalars if 'time' in s and 'iter' in s]
        # Past the first logging window (CUDA warm-up, first SLIC maps).
        late = [s['time'] for s in train if s['iter'] > args.iters // 2]
        loading = [
            s['data_time'] for s in train
            if s['iter'] > args.iters // 2 and 'data_time' in s
        ]
        memory = [s['memory'] for s in train if 'memory' in s]
        val = [s for s in scalars if 'mIoU' in s]
        rows.append(
            dict(config=config,
                 wall=wall,
                 time=float(np.median(late)) if late else None,
                 data_time=float(np.median(loading)) if loading else None,
                 memory=max(memory) if memory else None,
                 miou=val[-1]['mIoU'] if val else None))
    return rows


def table(env, paper, kvasir, args) -> str:
    lines = [
        f'{env}', '', '| check | source-only | SRT | SRT / source-only |',
        '| --- | --- | --- | --- |'
    ]
    if paper:
        t, m = paper['times'], paper['memory']
        shape = f'{paper["shape"][1]}x{paper["shape"][0]}'
        lines.append(
            f'| paper config step ({paper["images"]} images of {shape}, '
            f'median of {args.repeats}) | {t["source_only"] * 1000:.1f} ms '
            f'| {t["srt"] * 1000:.1f} ms | {paper["ratio"]:.3f}x |')
        parts = dict(
            without_d='discriminator (adversarial term + D update)',
            without_pl='pseudo labels (Eq. 5, Algorithm 2, their L_S)',
            without_srt='SRT centroids and loss (Algorithm 3, Eq. 7)')
        for key, label in parts.items():
            if key in t:
                cost = t['srt'] - t[key]
                lines.append(f'| paper config step: {label} | | '
                             f'{cost * 1000:+.1f} ms | '
                             f'{cost / t["source_only"] * 100:+.1f} % |')
        if m['source_only'] is not None:
            lines.append(f'| paper config step, peak GPU memory | '
                         f'{m["source_only"]:.0f} MiB | {m["srt"]:.0f} MiB '
                         f'| {m["srt"] / m["source_only"]:.2f}x |')
    if kvasir:
        by = {
            ('srt' if 'srt' in r['config'] else 'source_only'): r
            for r in kvasir
        }
        if any('error' in r for r in kvasir):
            lines.append('| Kvasir R50 run | ' + ' | '.join(
                f'exit {by[k]["error"]}' if 'error' in by[k] else 'ok'
                for k in ('source_only', 'srt')) + ' | |')
        else:
            s, r = by['source_only'], by['srt']

            def num(value, form):
                return '-' if value is None else format(value, form)

            def ratio(key):
                if s[key] and r[key]:
                    return f'{r[key] / s[key]:.2f}x'
                return ''

            lines += [
                f'| Kvasir R50, {args.iters} iterations: s/iter (log, '
                f'second half; source-only trains on 4 source images, SRT '
                f'on 4 + 4) | {num(s["time"], ".3f")} | '
                f'{num(r["time"], ".3f")} | '
                f'{ratio("time")} |',
                f'| Kvasir R50: of which waiting for data (log) | '
                f'{num(s["data_time"], ".3f")} | '
                f'{num(r["data_time"], ".3f")} | |',
                f'| Kvasir R50: wall time of tools/train.py (incl. start, '
                f'val) | {s["wall"]:.0f} s | {r["wall"]:.0f} s | '
                f'{ratio("wall")} |',
                f'| Kvasir R50: peak memory (log; with cudnn_benchmark) | '
                f'{num(s["memory"], "")} MiB | {num(r["memory"], "")} '
                f'MiB | {ratio("memory")} |',
                f'| Kvasir R50: target test mIoU after {args.iters} '
                f'iterations | {num(s["miou"], ".2f")} | '
                f'{num(r["miou"], ".2f")} | |',
            ]
    return '\n'.join(lines)


def environment(device) -> str:
    import mmcv
    import mmengine
    import mmseg
    import torch
    name = (torch.cuda.get_device_name(device)
            if str(device).startswith('cuda') else 'CPU')
    return (f'{name}; torch {torch.__version__} (CUDA {torch.version.cuda}),'
            f' mmcv {mmcv.__version__}, mmengine {mmengine.__version__}, '
            f'mmseg {mmseg.__version__}')


def main(argv=None):
    args = parse_args(argv)
    import torch
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise SystemExit('no CUDA device: this check is for a GPU machine '
                         '(--device cpu for a smoke test)')
    os.chdir(REPO)
    work = osp.abspath(args.work_dir)
    os.makedirs(work, exist_ok=True)
    env = environment(args.device)
    print(env, flush=True)
    start = time.perf_counter()
    paper = part_paper_step(args, tempfile.mkdtemp(dir=work))
    print(f'[gpu-check] paper step done ({time.perf_counter() - start:.0f} '
          's)\n' + table(env, paper, None, args),
          flush=True)
    kvasir = None
    if args.data_root:
        kvasir = part_kvasir(args, work)
        print(
            f'[gpu-check] Kvasir runs done '
            f'({time.perf_counter() - start:.0f} s)',
            flush=True)
    text = table(env, paper, kvasir, args)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
    if kvasir and any('error' in r for r in kvasir):
        raise SystemExit(1)


if __name__ == '__main__':
    main()
