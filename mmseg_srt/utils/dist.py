"""Multi-process launch without GPUs (gloo), for tools/train.py and test.py.

mmengine's ``pytorch`` launcher assumes CUDA: it calls
``torch.cuda.set_device(LOCAL_RANK)`` and wraps the model in DDP with
``device_ids=[LOCAL_RANK]``, both of which fail for a CPU model. When CUDA is
absent we start the process group ourselves with gloo (mmengine then skips its
own ``init_dist``) and give DDP ``device_ids=None``, as torch requires for CPU
modules. With CUDA nothing changes.
"""
import logging
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log


def prepare_cpu_distributed(cfg: Config) -> None:
    """Adapt ``cfg`` (launcher ``pytorch``) to a machine without CUDA."""
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    if dist_cfg.get('backend', 'gloo') != 'gloo':
        print_log(
            f'CUDA is not available: env_cfg.dist_cfg.backend '
            f'{dist_cfg["backend"]!r} replaced by "gloo"',
            logger='current',
            level=logging.WARNING)
    dist_cfg['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))
    wrapper_cfg = cfg.get('model_wrapper_cfg') or {}
    wrapper_cfg.setdefault('type', 'MMDistributedDataParallel')
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg


def close_distributed() -> None:
    """End a multi-process job: wait for every rank, then destroy the process
    group. A gloo group left to interpreter shutdown can abort a rank at exit
    ("terminate called without an active exception") after its work is done,
    which torchrun then reports as a failed job."""
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
