"""Train a segmentor (or an SRT adapter) from an mmseg-style config.

Same interface as MMSegmentation's ``tools/train.py``; in addition it imports
``mmseg_srt`` (safe checkpoint loading) and runs multi-process jobs on CPU
with gloo when CUDA is absent.
"""
import argparse
import logging
import os
import os.path as osp

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.device import get_device
from mmengine.runner import Runner

import mmseg_srt  # noqa: F401  (registers components, safe loading)
from mmseg_srt.utils import (close_distributed, newest_whole_checkpoint,
                             prepare_cpu_distributed, require_checkpoints)
from srt_tools.args import add_cfg_options, local_checkpoints


def parse_args():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or without a value from the '
        'latest whole checkpoint in the work_dir (the one last_checkpoint '
        'names, else the newest iter_N.pth that is whole)')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    add_cfg_options(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank, torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def enable_amp(cfg: Config) -> None:
    """Switch every optimizer wrapper of ``cfg`` to AMP with dynamic scaling."""
    if get_device() == 'cpu':
        raise SystemExit('--amp needs an accelerator (mmengine\'s '
                         'AmpOptimWrapper does not train on CPU)')
    optim_wrapper = cfg.optim_wrapper
    if optim_wrapper.get('constructor') is not None and optim_wrapper.get(
            'type') is None:
        # A multi-optimizer config: one wrapper per submodule.
        wrappers = [w for w in optim_wrapper.values() if isinstance(w, dict)]
    else:
        wrappers = [optim_wrapper]
    for wrapper in wrappers:
        wrapper_type = wrapper.get('type', 'OptimWrapper')
        if wrapper_type == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING)
            continue
        if wrapper_type != 'OptimWrapper':
            raise ValueError('--amp needs optim_wrapper.type "OptimWrapper", '
                             f'got {wrapper_type!r}')
        wrapper['type'] = 'AmpOptimWrapper'
        wrapper['loss_scale'] = 'dynamic'


def resume_from(work_dir: str):
    """The checkpoint ``--resume`` without a value starts from: the newest
    whole one in ``work_dir``, saying in one line which were passed over;
    None (train from the start) when ``work_dir`` holds none at all."""
    checkpoint, passed_over = newest_whole_checkpoint(work_dir)
    if checkpoint is None and passed_over:
        raise SystemExit(f'--resume: no whole checkpoint in {work_dir} '
                         f'({"; ".join(passed_over)}); remove the work dir\'s '
                         'checkpoints and last_checkpoint to train from the '
                         'start')
    if passed_over and os.environ.get('RANK', '0') == '0':
        print(f'--resume: {"; ".join(passed_over)}; resuming from '
              f'{checkpoint}, the newest whole checkpoint in {work_dir}',
              flush=True)
    return checkpoint


def main():
    args = parse_args()

    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    # work_dir: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        enable_amp(cfg)

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = resume_from(cfg.work_dir)
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    # every checkpoint the run reads, checked before anything is built
    require_checkpoints(local_checkpoints(cfg))

    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    close_distributed()


if __name__ == '__main__':
    main()
