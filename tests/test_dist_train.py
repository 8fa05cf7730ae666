"""tools/dist_train.sh and tools/dist_test.sh run 2 CPU processes (gloo)
through torchrun."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from typing import Optional

import pytest
import torch

from mmseg_srt.utils import checkpoint_problem, load_checkpoint_safely

from .conftest import REPO, checkpoint_path, run_tool, write_tiny_config


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


def _rank_pid(marker: str, rank: int) -> Optional[int]:
    """The process of torchrun's worker ``rank`` in the job whose
    environment holds ``SRT_TEST_JOB=marker`` (Linux: /proc)."""
    wanted = {f'SRT_TEST_JOB={marker}'.encode(), f'RANK={rank}'.encode()}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/environ', 'rb') as f:
                environ = set(f.read().split(b'\0'))
        except OSError:
            continue
        if wanted <= environ:
            return int(entry)
    return None


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir('/proc'), reason='finds ranks in /proc')
def test_rank_killed_stops_the_job_and_it_resumes_to_the_same_result(
        tmp_path, tiny_endosynth):
    """Two gloo ranks; rank 1 is SIGKILLed after the first checkpoint. The
    job ends within 60 s (torchrun's agent sees the dead worker and stops
    the other), every checkpoint left is whole, and ``--resume`` ends with
    the weights of an uninterrupted two-rank run."""
    config = write_tiny_config(tmp_path, tiny_endosynth, max_iters=6,
                               checkpoint_interval=2)
    straight = tmp_path / 'straight'
    run_tool(['tools/dist_train.sh', str(config), '2', '--work-dir',
              str(straight)],
             env=dict(PORT=str(_free_port()), OMP_NUM_THREADS='1'))

    killed = tmp_path / 'killed'
    marker = uuid.uuid4().hex
    job = subprocess.Popen(
        ['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir',
         str(killed)],
        cwd=str(REPO),
        env=dict(os.environ, PYTHON=sys.executable, PORT=str(_free_port()),
                 OMP_NUM_THREADS='1', SRT_TEST_JOB=marker),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while checkpoint_problem(str(killed / 'iter_2.pth')) is not None:
            assert time.monotonic() < deadline and job.poll() is None
            time.sleep(0.01)
        rank1 = _rank_pid(marker, 1)
        assert rank1 is not None
        os.kill(rank1, signal.SIGKILL)
        killed_at = time.monotonic()
        job.wait(timeout=60)
        stopped_after = time.monotonic() - killed_at
    finally:
        job.kill()
        job.wait()
    assert job.returncode != 0
    assert stopped_after < 60
    assert not (killed / 'iter_6.pth').exists()  # stopped before the end
    assert _rank_pid(marker, 0) is None  # no rank left behind
    for path in killed.glob('*.pth'):
        assert checkpoint_problem(str(path)) is None, path

    run_tool(['tools/dist_train.sh', str(config), '2', '--work-dir',
              str(killed), '--resume'],
             env=dict(PORT=str(_free_port()), OMP_NUM_THREADS='1'))
    first = load_checkpoint_safely(str(checkpoint_path(killed, 6)))
    second = load_checkpoint_safely(str(checkpoint_path(straight, 6)))
    assert first['meta']['iter'] == second['meta']['iter'] == 6
    for key, value in second['state_dict'].items():
        torch.testing.assert_close(
            first['state_dict'][key], value, rtol=0, atol=1e-6, msg=key)
