"""tools/dist_train.sh and tools/dist_test.sh run 2 CPU processes (gloo)
through torchrun."""
import pytest
import re
import socket

from .conftest import checkpoint_path, run_tool, write_tiny_config
from mmseg_srt.utils import load_checkpoint_safely


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_dist_train_two_cpu_processes(tmp_path, tiny_endosynth):
    config = write_tiny_config(tmp_path, tiny_endosynth, max_iters=3,
                               checkpoint_interval=3)
    work_dir = tmp_path / 'work'
    result = run_tool(
        ['tools/dist_train.sh',
         str(config), '2', '--work-dir',
         str(work_dir)],
        env=dict(PORT=str(_free_port()), OMP_NUM_THREADS='1'))
    output = result.stdout + result.stderr
    assert re.search(r'Distributed training: True', output)
    assert re.search(r'GPU number: 2', output)  # mmengine's name for world size
    checkpoint = load_checkpoint_safely(str(checkpoint_path(work_dir, 3)))
    assert checkpoint['meta']['iter'] == 3
    # DDP wraps the model: the saved weights must still be plain (unwrapped).
    assert not any(k.startswith('module.') for k in checkpoint['state_dict'])


def _test_metrics(output: str) -> str:
    """The metrics of the last ``Iter(test)`` line that mmengine logs."""
    lines = re.findall(r'Iter\(test\) \[\d+/\d+\]\s+(.*)', output)
    assert lines, output[-3000:]
    return re.sub(r'\s+(data_)?time: [\d.]+', '', lines[-1]).strip()


@pytest.mark.slow
def test_dist_test_equals_one_process(tmp_path, tiny_endosynth):
    """Two ranks evaluate 3 images (the sampler pads one rank with a repeat,
    which mmengine drops when it gathers the results): the metrics equal a
    one-process test of the same checkpoint."""
    config = write_tiny_config(tmp_path, tiny_endosynth, max_iters=2,
                               checkpoint_interval=2)
    run_tool(['tools/train.py', str(config), '--work-dir',
              str(tmp_path / 'work')], env=dict(OMP_NUM_THREADS='1'))
    checkpoint = str(checkpoint_path(tmp_path / 'work', 2))
    three = ['--cfg-options', 'test_dataloader.dataset.indices=3']
    alone = run_tool(['tools/test.py', str(config), checkpoint, '--work-dir',
                      str(tmp_path / 'alone'), *three],
                     env=dict(OMP_NUM_THREADS='1'))
    ranks = run_tool(
        ['tools/dist_test.sh',
         str(config), checkpoint, '2', '--work-dir',
         str(tmp_path / 'ranks'), *three],
        env=dict(PORT=str(_free_port()), OMP_NUM_THREADS='1'))
    output = ranks.stdout + ranks.stderr
    assert re.search(r'GPU number: 2', output)
    assert re.search(r'Iter\(test\) \[2/2\]', output)  # 2 images a rank
    metrics = _test_metrics(output)
    assert 'mIoU' in metrics
    assert metrics == _test_metrics(alone.stdout + alone.stderr)
