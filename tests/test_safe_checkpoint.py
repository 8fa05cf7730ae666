"""Checkpoints load with weights_only=True; foreign pickles are refused."""
import os
import pickle
import subprocess
import sys

import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer

from mmseg_srt.utils import UnsafeCheckpointError, load_checkpoint_safely
from mmseg_srt.utils.checkpoint import history_buffer_getattr

from .conftest import run_tool


class RunsShell:
    """Unpickling this would run a shell command (the classic attack)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


class WalksToGlobals:
    """Unpickling this would reach a module's globals through getattr."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer.min, '__globals__'))


def test_foreign_global_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / 'executed'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': {'x': RunsShell(marker)}}, path)
    with pytest.raises(UnsafeCheckpointError) as error:
        load_checkpoint_safely(str(path))
    message = str(error.value)
    assert str(path) in message
    assert 'system' in message  # names the offending global
    assert not marker.exists()


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    path = tmp_path / 'walk.pth'
    torch.save({'meta': WalksToGlobals()}, path)
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint_safely(str(path))
    assert history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    for obj, name in ((HistoryBuffer, '__init__'), (HistoryBuffer,
                                                     '__dict__'),
                      (os, 'system'), (HistoryBuffer.min, '__globals__')):
        with pytest.raises(pickle.UnpicklingError):
            history_buffer_getattr(obj, name)


def test_message_hub_state_round_trips(tmp_path):
    """What mmengine puts in a resume checkpoint: HistoryBuffers, numpy."""
    import numpy as np
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('test_safe_checkpoint')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', 0.25)
    hub.update_info('array', np.arange(3, dtype=np.float32))
    path = tmp_path / 'hub.pth'
    torch.save({'message_hub': hub.state_dict()}, path)
    loaded = load_checkpoint_safely(str(path))['message_hub']
    buffer = loaded['log_scalars']['train/loss']
    assert buffer.mean() == pytest.approx(0.375)
    assert buffer.statistics('current') == 0.25
    np.testing.assert_array_equal(loaded['runtime_info']['array'],
                                  np.arange(3, dtype=np.float32))


@pytest.mark.slow
def test_plain_torch_load_needs_the_allow_list(tmp_path):
    """Without mmseg_srt, torch >= 2.6 refuses mmengine's own state: the
    allow-list is what makes resume work, not a weakened loader."""
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('test_plain_torch_load')
    hub.update_scalar('train/loss', 1.0)
    path = tmp_path / 'hub.pth'
    torch.save({'message_hub': hub.state_dict()}, path)
    code = f'import torch; torch.load({str(path)!r}, weights_only=True)'
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert 'HistoryBuffer' in result.stderr


@pytest.mark.slow
def test_test_tool_refuses_foreign_checkpoint(tmp_path, tiny_config):
    marker = tmp_path / 'executed'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': {'x': RunsShell(marker)}}, path)
    result = run_tool([
        'tools/test.py',
        str(tiny_config),
        str(path), '--work-dir',
        str(tmp_path / 'work')
    ],
                      expect_ok=False)
    assert result.returncode != 0
    assert f'Refusing to load checkpoint {path}' in result.stderr
    assert not marker.exists()
