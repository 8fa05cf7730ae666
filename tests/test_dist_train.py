"""tools/dist_train.sh runs 2 CPU processes (gloo) through torchrun."""
import re
import socket

from .conftest import checkpoint_path, run_tool, write_tiny_config
from mmseg_srt.utils import load_checkpoint_safely


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


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
