"""Train and test a list of configs x seeds as parallel jobs, recording each
finished run in a benchmark's ``metafile.yaml``.

Each (config, seed) trains in ``WORK_ROOT/<config name>/seed<seed>`` (a run
with ``--cfg-options`` in ``<config name>_<key-value>...`` instead) with
``tools/train.py CONFIG --cfg-options randomness.seed=SEED``, then
``tools/test.py`` scores its last checkpoint, and the run (config, seed,
training data, iterations, metrics, command, date) is appended to the
metafile. ``--jobs`` runs go at once, each with ``--threads`` threads (two
single-thread jobs use a 2-core machine best).

A sweep can be stopped at any time and run again with the same arguments:
runs already in the metafile are skipped, a run with checkpoints resumes
from its newest whole one (``tools/train.py --resume``), a run whose
training finished (its final checkpoint is the one ``last_checkpoint``
names, and it loads) is only tested. It prints each run's start and end, every
``--report-every`` seconds the iteration each running job has reached, and
what is left.

``{seed}`` in an option's value is the run's seed: a second stage starts
each seed from the same seed's first (``load_from=.../seed{seed}/...``).

Usage::

    python tools/sweep.py configs/kvasir2colondb/source-only_*.py \\
        --seeds 0 1 2 --jobs 2 --metafile configs/kvasir2colondb/metafile.yaml
"""
import argparse
import datetime
import glob
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import List, Optional

from mmengine.config import Config, DictAction

from mmseg_srt.utils import (CheckpointError, last_checkpoint_of,
                             load_checkpoint_safely, resume_candidates)
from srt_tools.model_zoo import add_run, find_run, load_metafile

TOOLS = osp.dirname(osp.abspath(__file__))


class STOP:
    """Set by SIGTERM or SIGINT: the running trainings are terminated (they
    resume from their last checkpoint next time) and no run starts."""
    requested = False
    processes: set = set()
    lock = threading.Lock()

    @classmethod
    def handler(cls, signum, frame) -> None:
        with cls.lock:
            cls.requested = True
            for process in cls.processes:
                process.terminate()
        print(f'[sweep] stopping (signal {signum}): running jobs end, '
              'the next sweep resumes them', flush=True)


ITERATION = re.compile(r'Iter\(train\)\s*\[\s*(\d+)/\s*(\d+)\]')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--metafile', required=True,
                        help='the benchmark\'s metafile.yaml (created if '
                        'missing)')
    parser.add_argument('--work-root',
                        help='default: work_dirs/<the configs\' folder>')
    parser.add_argument('--jobs', type=int, default=2,
                        help='runs at once')
    parser.add_argument('--threads', type=int, default=1,
                        help='OMP/MKL threads per run')
    parser.add_argument('--report-every', type=float, default=300,
                        help='seconds between progress reports')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        metavar='KEY=VALUE',
                        help='overrides for every run, recorded with it (a '
                        'run with options is a table row of its own); '
                        '{seed} in a value is the run\'s seed, e.g. '
                        'load_from=W/seed{seed}/iter_1500.pth starts each '
                        'seed from the same seed\'s earlier run')
    parser.add_argument(
        '--training-resources',
        help="recorded as the runs' Training Resources (default: 'CPU, "
        "<threads> thread(s)'), e.g. '1x NVIDIA H200, 7 runs sharing it'")
    parser.add_argument('--dry-run', action='store_true',
                        help='print what would run, run nothing')
    return parser.parse_args()


class Run:
    """One (config, seed): its work dir, state and commands."""

    def __init__(self,
                 config: str,
                 seed: int,
                 work_root: str,
                 threads: int,
                 cfg_options: List[str],
                 resources: Optional[str] = None) -> None:
        self.config, self.seed, self.threads = config, seed, threads
        # recorded and named as given; run with each '{seed}' filled in
        self.cfg_options = cfg_options
        self.run_options = [
            option.replace('{seed}', str(seed)) for option in cfg_options
        ]
        self.resources = resources or f'CPU, {threads} thread(s)'
        variant = '_'.join([
            osp.splitext(osp.basename(config))[0],
            *map(option_slug, cfg_options)
        ])
        self.name = f'{variant}_seed{seed}'
        # the options are part of the work dir too: a run with them must
        # never find (and call its own) the checkpoint of the run without
        self.work_dir = osp.join(work_root, variant, f'seed{seed}')
        self.cfg = Config.fromfile(config)
        self.cfg.merge_from_dict(parse_cfg_options(self.run_options))
        self.max_iters = int(self.cfg.train_cfg.max_iters)
        self.final_checkpoint = osp.join(self.work_dir,
                                         f'iter_{self.max_iters}.pth')
        self.log = osp.join(self.work_dir, 'sweep.log')
        self.running = False

    @property
    def state(self) -> str:
        """'trained' when the final checkpoint is the one mmengine's
        ``last_checkpoint`` names and it loads; 'resumable' when the work dir
        holds any checkpoint (``tools/train.py --resume`` starts from the
        newest whole one); else 'new'."""
        if self.trained():
            return 'trained'
        if resume_candidates(self.work_dir):
            return 'resumable'
        return 'new'

    def trained(self) -> bool:
        named = last_checkpoint_of(self.work_dir)
        if named is None or osp.abspath(named) != osp.abspath(
                self.final_checkpoint):
            return False
        try:
            load_checkpoint_safely(self.final_checkpoint, map_location='cpu')
        except (OSError, CheckpointError):  # cut or damaged: resume instead
            return False
        return True

    def train_command(self, resume: bool) -> List[str]:
        command = [
            'python', 'tools/train.py', self.config, '--work-dir',
            self.work_dir, '--cfg-options', f'randomness.seed={self.seed}',
            *self.run_options
        ]
        return command + (['--resume'] if resume else [])

    def test_command(self) -> List[str]:
        command = [
            'python', 'tools/test.py', self.config, self.final_checkpoint,
            '--work-dir',
            osp.join(self.work_dir, 'test')
        ]
        return command + (['--cfg-options', *self.run_options]
                          if self.run_options else [])

    def progress(self) -> str:
        """The last training iteration in the log, e.g. '1250/2000'."""
        if not osp.isfile(self.log):
            return 'starting'
        with open(self.log, errors='replace') as f:
            found = ITERATION.findall(f.read()[-20000:])
        return '/'.join(found[-1]) if found else 'starting'

    def execute(self) -> dict:
        """Train (or resume), test; return the test metrics."""
        self.running = True
        os.makedirs(self.work_dir, exist_ok=True)
        env = dict(
            os.environ,
            OMP_NUM_THREADS=str(self.threads),
            MKL_NUM_THREADS=str(self.threads))
        with open(self.log, 'a') as log:
            state = self.state
            if state != 'trained':
                self._call(self.train_command(state == 'resumable'), log, env)
            test_started = time.time()
            self._call(self.test_command(), log, env)
        return self._test_metrics(test_started)

    def _call(self, command: List[str], log, env: dict) -> None:
        log.write(f'\n$ {" ".join(command)}\n')
        log.flush()
        # command[1] is 'tools/<tool>.py', as recorded; run this checkout's
        # tool from the caller's directory, where the paths point.
        with STOP.lock:
            if STOP.requested:
                raise RuntimeError(f'{self.name}: the sweep was stopped')
            process = subprocess.Popen(
                [sys.executable,
                 osp.join(TOOLS, osp.basename(command[1])), *command[2:]],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env)
            STOP.processes.add(process)
        code = process.wait()
        with STOP.lock:
            STOP.processes.discard(process)
        if code != 0:
            raise RuntimeError(f'{self.name}: {" ".join(command)} exited '
                               f'{code}; see {self.log}')

    def _test_metrics(self, since: float) -> dict:
        pattern = osp.join(self.work_dir, 'test', '*', '*.json')
        outputs = [p for p in glob.glob(pattern) if osp.getmtime(p) >= since]
        if not outputs:
            raise RuntimeError(f'{self.name}: tools/test.py wrote no '
                               f'metrics ({pattern}); see {self.log}')
        with open(max(outputs, key=osp.getmtime)) as f:
            metrics = json.load(f)
        return {
            key: round(float(value), 2)
            for key, value in metrics.items()
            if isinstance(value, (int, float))
            and key not in ('time', 'data_time')
        }

    def record(self, metrics: dict, collection: str) -> dict:
        """The metafile entry of this run."""
        test = self.cfg.test_dataloader.dataset
        return dict(
            Name=self.name,
            **{'In Collection': collection},
            Config=self.config,
            Metadata={
                'Seed': self.seed,
                **({'Cfg Options': ' '.join(self.cfg_options)}
                   if self.cfg_options else {}),
                'Training Data': training_data(self.cfg.train_dataloader),
                'Iterations': self.max_iters,
                'Crop Size': crop_size(self.cfg),
                'Training Resources': self.resources,
            },
            Results=[
                dict(
                    Task='Semantic Segmentation',
                    Dataset=osp.join(test.get('data_root', ''),
                                     test.get('ann_file', '')),
                    Metrics=metrics)
            ],
            Command=' '.join(self.train_command(False)) + ' && ' +
            ' '.join(self.test_command()),
            Date=datetime.date.today().isoformat())


def option_slug(option: str) -> str:
    """``model.srt_loss.loss_weight=1.0`` -> ``loss_weight-1.0``: what a
    run with options adds to its name, so that it differs from the run
    without them."""
    key, _, value = option.partition('=')
    slug = f'{key.rsplit(".", 1)[-1]}-{value}'
    return re.sub(r'[^A-Za-z0-9.\-]+', '_', slug)


def parse_cfg_options(options: List[str]) -> dict:
    """``KEY=VALUE`` strings as ``--cfg-options`` reads them."""
    parsed = {}
    for option in options:
        if '=' not in option:
            raise ValueError(f'--cfg-options {option!r}: expected KEY=VALUE')
        key, value = option.split('=', 1)
        parsed[key] = DictAction._parse_iterable(value)
    return parsed


def training_data(dataloader: dict) -> List[str]:
    """What a run trains on: each split, with its kind of label."""
    dataset = dataloader['dataset']

    def describe(split: dict, role: str = '') -> str:
        split_file = osp.join(split.get('data_root', ''),
                              split.get('ann_file', ''))
        labels = ('pixel labels' if split.get('with_seg_map', True) else
                  'image labels of ' + split.get('image_label_file', '?'))
        return f'{role}{split_file} ({labels})'

    if dataset.get('type') == 'SourceTargetDataset':
        return [
            describe(dataset['source'], 'source: '),
            describe(dataset['target'], 'target: ')
        ]
    if dataset.get('type') == 'ConcatDataset':
        return [describe(split) for split in dataset['datasets']]
    return [describe(dataset)]


def crop_size(cfg: Config) -> Optional[str]:
    size = cfg.get('crop_size')
    return f'{size[1]}x{size[0]}' if size else None


def collection_name(metafile: str) -> str:
    if osp.isfile(metafile):
        collections = load_metafile(metafile)['Collections']
        if collections:
            return collections[0]['Name']
    return osp.basename(osp.dirname(osp.abspath(metafile)))


def main():
    args = parse_args()
    work_root = args.work_root or osp.join(
        'work_dirs', osp.basename(osp.dirname(osp.abspath(args.configs[0]))))
    collection = collection_name(args.metafile)
    recorded = load_metafile(args.metafile) if osp.isfile(
        args.metafile) else dict(Models=[])
    runs, skipped = [], 0
    for config in args.configs:
        if not osp.isfile(config):
            raise FileNotFoundError(f'config {config} not found')
        for seed in args.seeds:
            if find_run(recorded, config, seed,
                        ' '.join(args.cfg_options)) is not None:
                skipped += 1
                continue
            runs.append(
                Run(config, seed, work_root, args.threads, args.cfg_options,
                    args.training_resources))
    print(f'[sweep] {skipped} run(s) already in {args.metafile}; '
          f'{len(runs)} to go:', flush=True)
    for run in runs:
        print(f'[sweep]   {run.name} ({run.state}) in {run.work_dir}',
              flush=True)
    if args.dry_run or not runs:
        return
    signal.signal(signal.SIGTERM, STOP.handler)
    signal.signal(signal.SIGINT, STOP.handler)
    failed = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        pending = {}
        for run in runs:
            pending[pool.submit(run.execute)] = run
        while pending:
            done, _ = wait(
                pending, timeout=args.report_every,
                return_when=FIRST_COMPLETED)
            for future in done:
                run = pending.pop(future)
                try:
                    metrics = future.result()
                except Exception as error:  # report, go on with the rest
                    failed.append(run.name)
                    print(f'[sweep] FAILED {error}', flush=True)
                    continue
                add_run(args.metafile, run.record(metrics, collection))
                print(f'[sweep] done {run.name}: mIoU {metrics.get("mIoU")}'
                      f', recorded in {args.metafile}', flush=True)
            running = [
                f'{run.name} {run.progress()}' for run in pending.values()
                if run.running
            ]
            left = [run.name for run in pending.values()]
            print(f'[sweep] {time.strftime("%H:%M:%S")} running: '
                  f'{", ".join(running) or "-"}; left: {len(left)} '
                  f'({", ".join(left) or "none"})', flush=True)
    if failed:
        print(f'[sweep] {len(failed)} run(s) failed: {", ".join(failed)}')
        sys.exit(1)


if __name__ == '__main__':
    main()
