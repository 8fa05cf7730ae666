"""Plot and summarise a run's training curves (no TensorBoard needed).

    python tools/plot_curves.py WORK_DIR [--out curves.png] [--epoch-iters N]

Reads ``WORK_DIR/<timestamp>/vis_data/scalars.json`` (the newest run there,
or a scalars.json given directly): the per-iteration ``curves/<name>`` that
``TrainingCurvesHook`` writes and the validation metrics. Draws, in one PNG:
the loss terms; p and the labelled share of target pixels; the class
thresholds exp(-lambda_k); the SRT centroid distance per class; the
discriminator's accuracy; validation mIoU and per-class IoU. Prints a table
with one row per pseudo-label epoch (``--epoch-iters`` iterations, e.g.
ceil(target images / batch size)), means over the epoch, and, when the run
logged ``pl.pass_share.<k>``, how far each class's share of pixels that pass
its threshold strayed from p over the run (Algorithm 1's fidelity), per step
and per epoch (pooled over the epoch's pixels where ``pl.predicted.<k>`` was
logged).
"""
import argparse
import glob
import json
import os.path as osp
import re
from collections import defaultdict
from typing import Dict, List

import numpy as np

PANELS = (
    ('loss terms', r'^(src|tgt)\.decode\.loss_\w+$|^srt\.loss_srt$|'
     r'^adv\.loss_adv$|^disc\.loss_disc_\w+$', False),
    ('p, labelled and passing target pixels (%)',
     r'^pl\.(portion|labelled|pass_share\.\d+)$', False),
    ('class thresholds exp(-lambda_k)', r'^pl\.threshold\.\d+$', False),
    ('SRT centroid distance ||C^s_k - C^t_k||', r'^srt\.distance\.\d+$',
     False),
    ('discriminator accuracy (%)', r'^disc\.acc$', True),
)


def scalars_file(path: str) -> str:
    if osp.isfile(path):
        return path
    found = sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not found:
        raise FileNotFoundError(f'no */vis_data/scalars.json under {path}')
    return found[-1]


def read_curves(path: str):
    """Per-iteration curves {name: (steps, values)} and validation rows."""
    curves: Dict[str, List] = defaultdict(lambda: ([], []))
    validation = []
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            if any(k.startswith('curves/') for k in row):
                for key, value in row.items():
                    if key.startswith('curves/'):
                        steps, values = curves[key[len('curves/'):]]
                        steps.append(row['step'])
                        values.append(value)
            elif 'mIoU' in row:
                validation.append(row)
    return dict(curves), validation


def smooth(values: List[float], window: int) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode='valid')


def plot(curves, validation, out: str, window: int) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(3, 2, figsize=(13, 11))
    for ax, (title, pattern, smoothed) in zip(axes.flat, PANELS):
        names = sorted(n for n in curves if re.search(pattern, n))
        for name in names:
            steps, values = curves[name]
            w = window if smoothed or 'loss' in name else 1
            ys = smooth(values, w)
            ax.plot(steps[len(steps) - len(ys):], ys, label=name, lw=1)
        ax.set_title(title + (f' (mean of {window})' if smoothed else ''))
        ax.set_xlabel('iteration')
        if names:
            ax.legend(fontsize=7)
    ax = axes.flat[len(PANELS)]
    if validation:
        steps = [row['step'] for row in validation]
        keys = ['mIoU'] + sorted(
            k for k in validation[0] if k.startswith('IoU.'))
        for key in keys:
            ax.plot(steps, [row.get(key) for row in validation], 'o-',
                    label=key)
        ax.legend(fontsize=7)
    ax.set_title('validation')
    ax.set_xlabel('iteration')
    fig.tight_layout()
    fig.savefig(out, dpi=90)


def epoch_table(curves, epoch_iters: int) -> List[dict]:
    """Means of every curve over each block of ``epoch_iters`` iterations."""
    rows = []
    last = max(max(steps) for steps, _ in curves.values())
    for start in range(1, last + 1, epoch_iters):
        end = start + epoch_iters - 1
        row = {'iterations': f'{start}-{min(end, last)}'}
        for name, (steps, values) in curves.items():
            chosen = [v for s, v in zip(steps, values) if start <= s <= end]
            if chosen:
                row[name] = float(np.mean(chosen))
        rows.append(row)
    return rows


def pass_share_summary(curves) -> List[dict]:
    """Per class, the pass share's deviation from the p of the same step
    (percentage points): median, 10th and 90th percentile, and the share
    of steps within +-5 points."""
    if 'pl.portion' not in curves:
        return []
    portion = dict(zip(*curves['pl.portion']))
    rows = []
    for name in sorted(n for n in curves if n.startswith('pl.pass_share.')):
        steps, values = curves[name]
        deviation = np.array(
            [v - portion[s] for s, v in zip(steps, values) if s in portion])
        if deviation.size == 0:
            continue
        low, median, high = np.percentile(deviation, [10, 50, 90])
        rows.append(
            dict(
                name=name,
                steps=int(deviation.size),
                median=float(median),
                p10=float(low),
                p90=float(high),
                within_5=float(np.mean(np.abs(deviation) <= 5) * 100)))
    return rows


def pass_share_epochs(curves, epoch_iters: int) -> List[dict]:
    """Per class, the pass share's deviation from p over each block of
    ``epoch_iters`` iterations (a pseudo-label epoch: what a threshold is
    computed to give over the epoch that uses it, where one step's 4 images
    scatter widely): median, smallest and largest epoch, and the share of
    epochs within +-5 points. Where the run logged ``pl.predicted.<k>``
    (pixels predicted as k per step) an epoch's deviation is pooled over
    its pixels (the epoch's passing pixels over its predicted pixels, minus
    p weighted alike), else the mean of its steps' deviations."""
    if 'pl.portion' not in curves:
        return []
    portion = dict(zip(*curves['pl.portion']))
    rows = []
    for name in sorted(n for n in curves if n.startswith('pl.pass_share.')):
        counts = dict(
            zip(*curves.get(name.replace('pass_share', 'predicted'), ((),
                                                                      ()))))
        weighted = bool(counts)
        blocks = {}
        for step, value in zip(*curves[name]):
            if step in portion:
                blocks.setdefault((step - 1) // epoch_iters, []).append(
                    (value - portion[step],
                     counts.get(step, 0.) if weighted else 1.))
        means = np.array([
            np.average([d for d, _ in block], weights=[w for _, w in block])
            for _, block in sorted(blocks.items())
            if sum(w for _, w in block) > 0
        ])
        if means.size == 0:
            continue
        rows.append(
            dict(
                name=name,
                epochs=int(means.size),
                median=float(np.median(means)),
                low=float(means.min()),
                high=float(means.max()),
                within_5=float(np.mean(np.abs(means) <= 5) * 100),
                pooled=weighted))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dir', help='a work dir or a scalars.json')
    parser.add_argument('--out', default=None,
                        help='PNG to write (default WORK_DIR/curves.png)')
    parser.add_argument('--epoch-iters', type=int, default=None,
                        help='iterations per pseudo-label epoch for the '
                        'table (default: no table)')
    parser.add_argument('--window', type=int, default=20,
                        help='moving mean for noisy curves')
    args = parser.parse_args()
    path = scalars_file(args.work_dir)
    curves, validation = read_curves(path)
    if not curves:
        raise SystemExit(f'{path} holds no curves/ rows (is '
                         'TrainingCurvesHook in default_hooks?)')
    out = args.out or osp.join(
        args.work_dir if osp.isdir(args.work_dir) else osp.dirname(path),
        'curves.png')
    plot(curves, validation, out, args.window)
    print(f'{path} -> {out}')
    if args.epoch_iters:
        per_class = sorted(
            (n for n in curves
             if re.match(r'^(pl\.threshold|srt\.distance)\.\d+$', n)),
            key=lambda n: (n.rsplit('.', 1)[0], int(n.rsplit('.', 1)[1])))
        columns = [c for c in ('pl.portion', 'pl.labelled', 'disc.acc',
                               'srt.loss_srt', 'src.decode.loss_ce',
                               'tgt.decode.loss_ce') if c in curves]
        columns += per_class
        print('iterations  ' + '  '.join(f'{c:>18s}' for c in columns))
        for row in epoch_table(curves, args.epoch_iters):
            print(f'{row["iterations"]:>10s}  ' + '  '.join(
                f'{row.get(c, float("nan")):18.4f}' for c in columns))
    summary = pass_share_summary(curves)
    if summary:
        print('pass share - p (points): class, steps, median [10th, 90th '
              'percentile], steps within +-5')
    for row in summary:
        print(f'{row["name"]:>18s}  {row["steps"]:6d}  {row["median"]:+7.1f} '
              f'[{row["p10"]:+6.1f}, {row["p90"]:+6.1f}]  '
              f'{row["within_5"]:5.1f} %')
    if args.epoch_iters:
        rows = pass_share_epochs(curves, args.epoch_iters)
        if rows:
            print(f'pass share - p (points) per {args.epoch_iters}-iteration '
                  'epoch: class, epochs, median [smallest, largest], epochs '
                  'within +-5')
        for row in rows:
            print(f'{row["name"]:>18s}  {row["epochs"]:6d}  '
                  f'{row["median"]:+7.1f} [{row["low"]:+6.1f}, '
                  f'{row["high"]:+6.1f}]  {row["within_5"]:5.1f} % (epochs' +
                  (', pixels pooled)' if row['pooled'] else ')'))
    for row in validation:
        print(f'validation at {row["step"]}: mIoU {row["mIoU"]:.2f}')


if __name__ == '__main__':
    main()
