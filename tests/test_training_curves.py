"""Per-iteration training curves in the visualizer backends: loss terms, p,
class thresholds and SRT centroid distances."""
import json

import pytest
import torch

from mmseg_srt.utils import load_checkpoint_safely

from .conftest import checkpoint_path, run_tool, write_tiny_uda_config


@pytest.mark.slow
def test_curves_hold_every_iteration(tmp_path, tiny_endosynth):
    # Epochs of 2 target samples = 1 iteration of batch 2: p moves each step.
    config = write_tiny_uda_config(
        tmp_path, tiny_endosynth, max_iters=6, checkpoint_interval=6,
        extra='model.update(pseudo_labeler=dict(samples_per_epoch=2))\n'
        'default_hooks.update(logger=dict(interval=3))')
    work_dir = tmp_path / 'work'
    result = run_tool(['tools/train.py', str(config), '--work-dir',
                       str(work_dir)])
    rows = [json.loads(line) for line in next(
        work_dir.rglob('vis_data/scalars.json')).read_text().splitlines()]
    curves = {row['step']: row for row in rows if 'curves/loss' in row}
    logged = {row['step']: row for row in rows if 'loss' in row}
    assert sorted(curves) == [1, 2, 3, 4, 5, 6]
    assert sorted(logged) == [3, 6]
    # mmengine's LoggerHook writes the mean over LogProcessor's window of
    # the last 10 iterations: here, all so far.
    for step in (3, 6):
        window = [curves[s]['curves/loss'] for s in range(1, step + 1)]
        assert logged[step]['loss'] == pytest.approx(
            sum(window) / len(window), rel=1e-4)
    for row in curves.values():
        for term in ('src.decode.loss_ce', 'src.decode.loss_cls',
                     'adv.loss_adv', 'srt.loss_srt', 'disc.acc',
                     'pl.portion', 'pl.labelled'):
            assert f'curves/{term}' in row, term
    # Algorithm 1: no pseudo labels in the first epoch, then p = 25 %,
    # +5 % per epoch.
    assert [curves[s]['curves/pl.portion'] for s in range(1, 7)] == \
        pytest.approx([0, 25, 30, 35, 40, 45])
    assert 'curves/pl.threshold.0' not in curves[1]
    for step in range(2, 7):
        for k in (0, 1):
            assert 0 < curves[step][f'curves/pl.threshold.{k}'] <= 1
        # the share of each predicted class that passes its threshold
        assert any(f'curves/pl.pass_share.{k}' in curves[step]
                   for k in (0, 1))
        for k in (0, 1):
            share = curves[step].get(f'curves/pl.pass_share.{k}', 0)
            assert 0 <= share <= 100
    # The last distances are those of the centroids the checkpoint holds.
    state = load_checkpoint_safely(str(checkpoint_path(work_dir, 6)))
    state = state['state_dict']

    def centroids(domain):
        return (state[f'srt_loss.{domain}_history'] /
                state[f'srt_loss.{domain}_weights'][:, None])

    distances = (centroids('source') - centroids('target')).norm(dim=1)
    seen = state['srt_loss.source_seen'] & state['srt_loss.target_seen']
    for k in torch.nonzero(seen).flatten().tolist():
        assert curves[6][f'curves/srt.distance.{k}'] == pytest.approx(
            float(distances[k]), rel=1e-4)
    # TensorBoard is not installed here: a warning, no event files.
    assert 'TensorBoard is not installed' in result.stderr + result.stdout
    assert not list(work_dir.rglob('events.out.tfevents*'))
    # tools/plot_curves.py: a PNG, and per-epoch means (epochs of 2
    # iterations here): p is 0 then 25 -> 12.5, then 30, 35 -> 32.5.
    plotted = run_tool(['tools/plot_curves.py', str(work_dir),
                        '--epoch-iters', '2'])
    assert (work_dir / 'curves.png').stat().st_size > 10000
    lines = plotted.stdout.splitlines()
    header = next(line for line in lines if line.startswith('iterations'))
    column = header.split().index('pl.portion')
    table = {line.split()[0]: line.split() for line in lines
             if line.strip()[:1].isdigit() and '-' in line.split()[0]}
    assert float(table['1-2'][column]) == pytest.approx(12.5)
    assert float(table['3-4'][column]) == pytest.approx(32.5)


def _pass_share_line(tmp_path, rows, ending, *options):
    """plot_curves' class-0 fidelity line ending in ``ending`` for the
    scalars.json rows ``rows``."""
    scalars = tmp_path / 'scalars.json'
    scalars.write_text('\n'.join(json.dumps(row) for row in rows) + '\n')
    result = run_tool(['tools/plot_curves.py', str(scalars), '--out',
                       str(tmp_path / 'curves.png'), *options])
    return next(line for line in result.stdout.splitlines()
                if line.strip().startswith('pl.pass_share.0')
                and line.endswith(ending))


@pytest.mark.slow
def test_pass_share_summary_by_hand(tmp_path):
    """plot_curves' fidelity table from a hand-written scalars.json: class
    0 passes 25, 35, 30 % at p = 25, 25, 30 %: deviations 0, +10, 0
    points, median 0, 10th/90th percentile 0 and +8 (numpy's linear
    interpolation), two of three steps within +-5."""
    rows = [
        {'curves/pl.portion': 0.0, 'step': 1},
        {'curves/pl.portion': 25.0, 'curves/pl.pass_share.0': 25.0,
         'step': 2},
        {'curves/pl.portion': 25.0, 'curves/pl.pass_share.0': 35.0,
         'step': 3},
        {'curves/pl.portion': 30.0, 'curves/pl.pass_share.0': 30.0,
         'step': 4},
    ]
    line = _pass_share_line(tmp_path, rows, '%')
    assert line.split() == ['pl.pass_share.0', '3', '+0.0', '[', '+0.0,',
                            '+8.0]', '66.7', '%']
    # Per 2-iteration epoch: steps 1-2 deviate by 0 (step 1 has no share),
    # steps 3-4 by (10 + 0) / 2 = 5: median 2.5, both within +-5.
    line = _pass_share_line(tmp_path, rows, '(epochs)', '--epoch-iters', '2')
    assert line.split() == ['pl.pass_share.0', '2', '+2.5', '[', '+0.0,',
                            '+5.0]', '100.0', '%', '(epochs)']


@pytest.mark.slow
def test_pass_share_epochs_pool_pixels_by_hand(tmp_path):
    """With pl.predicted.<k>, an epoch pools its pixels: steps 3-4 pass
    35 % of 300 pixels and 30 % of 100 at p = 25 and 30: (105 + 30) / 400 =
    33.75 % passing against p (0.75 * 25 + 0.25 * 30) = 26.25 %, +7.5 points
    (the mean of the steps' deviations would say +5); steps 1-2: 0."""
    rows = [
        {'curves/pl.portion': 0.0, 'step': 1},
        {'curves/pl.portion': 25.0, 'curves/pl.pass_share.0': 25.0,
         'curves/pl.predicted.0': 50.0, 'step': 2},
        {'curves/pl.portion': 25.0, 'curves/pl.pass_share.0': 35.0,
         'curves/pl.predicted.0': 300.0, 'step': 3},
        {'curves/pl.portion': 30.0, 'curves/pl.pass_share.0': 30.0,
         'curves/pl.predicted.0': 100.0, 'step': 4},
    ]
    line = _pass_share_line(tmp_path, rows, 'pooled)', '--epoch-iters', '2')
    assert line.split() == ['pl.pass_share.0', '2', '+3.8', '[', '+0.0,',
                            '+7.5]', '50.0', '%', '(epochs,', 'pixels',
                            'pooled)']
