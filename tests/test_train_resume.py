"""tools/train.py trains, stops, and resumes where it stopped."""
import pytest
import json

import torch

from mmseg_srt.utils import load_checkpoint_safely

from .conftest import checkpoint_path, run_tool, write_tiny_config


def _train(config, work_dir, *extra):
    return run_tool(
        ['tools/train.py',
         str(config), '--work-dir',
         str(work_dir), *extra])


def _assert_same_tensors(a, b, what):
    assert a.keys() == b.keys(), what
    for key in a:
        torch.testing.assert_close(
            a[key], b[key], rtol=0, atol=1e-6, msg=f'{what}: {key}')


def _optimizer_tensors(checkpoint):
    state = checkpoint['optimizer']['state']
    return {
        f'{param}.{name}': value
        for param, entry in state.items() for name, value in entry.items()
    }


@pytest.mark.slow
def test_resume_continues_instead_of_restarting(tmp_path, tiny_endosynth):
    config = write_tiny_config(tmp_path, tiny_endosynth, max_iters=4)

    straight = tmp_path / 'straight'
    _train(config, straight)

    resumed = tmp_path / 'resumed'
    _train(config, resumed, '--cfg-options', 'train_cfg.max_iters=2')
    first_half = load_checkpoint_safely(str(checkpoint_path(resumed, 2)))
    assert first_half['meta']['iter'] == 2
    result = _train(config, resumed, '--resume')
    assert 'resumed' in result.stdout + result.stderr

    end = load_checkpoint_safely(str(checkpoint_path(resumed, 4)))
    reference = load_checkpoint_safely(str(checkpoint_path(straight, 4)))
    assert end['meta']['iter'] == reference['meta']['iter'] == 4
    # 2 + 2 iterations equal 4 straight: the weights, Adam's moments and the
    # scheduler continued from the checkpoint instead of starting over.
    _assert_same_tensors(end['state_dict'], reference['state_dict'],
                         'weights')
    _assert_same_tensors(
        _optimizer_tensors(end), _optimizer_tensors(reference), 'Adam state')
    assert end['param_schedulers'] == reference['param_schedulers']
    # ...and they moved during iterations 3-4 (not a copy of iteration 2).
    moved = [
        not torch.equal(end['state_dict'][k], first_half['state_dict'][k])
        for k in end['state_dict']
        if end['state_dict'][k].is_floating_point()
    ]
    assert any(moved)


@pytest.mark.slow
def test_resume_from_explicit_checkpoint_and_log(tmp_path, tiny_endosynth):
    config = write_tiny_config(tmp_path, tiny_endosynth, max_iters=2,
                               checkpoint_interval=1)
    work_dir = tmp_path / 'work'
    _train(config, work_dir)
    _train(config, work_dir, '--resume',
           str(checkpoint_path(work_dir, 1)), '--cfg-options',
           'train_cfg.max_iters=3')
    end = load_checkpoint_safely(str(checkpoint_path(work_dir, 3)))
    assert end['meta']['iter'] == 3
    # mmengine's scalar log of the resumed run starts at iteration 2.
    logs = sorted(work_dir.glob('*/vis_data/scalars.json'))
    rows = [json.loads(line) for line in logs[-1].read_text().splitlines()]
    assert [row['step'] for row in rows if 'loss' in row] == [2, 3]
    # And so do the per-iteration curves.
    assert [row['step'] for row in rows if 'curves/loss' in row] == [2, 3]
