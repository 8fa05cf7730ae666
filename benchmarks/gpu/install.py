"""Install mmseg-srt on a CUDA machine without internet, from carried files.

    python benchmarks/gpu/install.py --carry CARRY [--cuda-ops]
        [--stages wheels mmcv package] [--keep-wheels DIR]

PyTorch must be there already (a GPU machine's image brings it, matched to
its driver); everything else comes from ``CARRY``, made on a machine with
package access by ``benchmarks/gpu/pack.py``::

    CARRY/wheels/*.whl           pure-Python wheels (mmengine, mmsegmentation,
                                 their small dependencies, setuptools)
    CARRY/mmcv-<version>.tar.gz  mmcv's source, built here with its ops
    CARRY/wheels/mmcv-*.whl      optional: an mmcv wheel built earlier for this
                                 Python and PyTorch (``--keep-wheels``), used
                                 instead of building

Stages, each skipped when what it installs is already importable:

- ``wheels``: every carried wheel whose distribution is not installed
  (setuptools also when ``pkg_resources``, which mmcv's build and mmengine's
  ``mmseg::`` config lookup import, is missing), with ``--no-deps``: the
  machine's own numpy, opencv, scipy, etc. are kept.
- ``mmcv``: mmcv built from its source with its ops (``mmcv._ext``, which
  mmseg imports). By default the ops are compiled for the CPU only, which
  takes a few minutes: no model of this package uses an mmcv op, so its
  CUDA kernels change nothing here. ``--cuda-ops`` compiles them too, for
  this GPU's architecture only (much longer).
- ``package``: this checkout, ``pip install --no-deps`` (a copy: reinstall
  after changing it).

Every stage prints its time. Errors name the file that is missing.
"""
import argparse
import glob
import importlib
import importlib.metadata
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STAGES = ('wheels', 'mmcv', 'package')
# A distribution counts as installed only when this module imports too.
REQUIRED_MODULE = {'setuptools': 'pkg_resources'}


def say(message: str) -> None:
    print(f'[gpu-install] {message}', flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--carry',
                        required=True,
                        help='folder made by pack.py')
    parser.add_argument('--stages',
                        nargs='+',
                        choices=STAGES,
                        default=list(STAGES))
    parser.add_argument(
        '--cuda-ops',
        action='store_true',
        help="compile mmcv's CUDA kernels too (default: CPU ops only)")
    parser.add_argument(
        '--keep-wheels',
        help='copy the mmcv wheel built here into this folder, for the '
        'next install on a machine like this one')
    return parser.parse_args(argv)


def distribution_of(wheel: str) -> str:
    """``mmengine-0.10.7-py3-none-any.whl`` -> ``mmengine``."""
    return osp.basename(wheel).split('-')[0].replace('_', '-').lower()


def installed(distribution: str) -> bool:
    try:
        importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    module = REQUIRED_MODULE.get(distribution)
    if module:
        return importable(module)
    return True


def importable(module: str) -> bool:
    """Whether ``module`` imports in a fresh interpreter (this process may
    hold an older state of sys.path), outside the checkout (whose folder
    is importable from within only)."""
    result = subprocess.run([sys.executable, '-c', f'import {module}'],
                            capture_output=True,
                            cwd=tempfile.gettempdir())
    return result.returncode == 0


def pip(*args: str, env=None) -> None:
    command = [
        sys.executable, '-m', 'pip', 'install', '--no-index', '--no-deps',
        '--disable-pip-version-check', *args
    ]
    result = subprocess.run(command, env=env)
    if result.returncode != 0:
        raise SystemExit(f'[gpu-install] failed ({result.returncode}): '
                         f'{" ".join(command)}')


def carried_wheels(carry: str):
    folder = osp.join(carry, 'wheels')
    if not osp.isdir(folder):
        raise SystemExit(f'[gpu-install] {folder} not found: make the carry '
                         'folder with benchmarks/gpu/pack.py')
    return sorted(glob.glob(osp.join(folder, '*.whl')))


def stage_wheels(carry: str) -> None:
    wheels = [w for w in carried_wheels(carry) if distribution_of(w) != 'mmcv']
    missing = [w for w in wheels if not installed(distribution_of(w))]
    kept = len(wheels) - len(missing)
    if not missing:
        say(f'wheels: all {len(wheels)} carried distributions installed')
        return
    say(f'wheels: installing {len(missing)} ('
        f'{", ".join(distribution_of(w) for w in missing)}); {kept} '
        'already there')
    pip(*missing)


def require_torch():
    if not importable('torch'):
        raise SystemExit(
            f'[gpu-install] PyTorch is not installed for {sys.executable}: '
            'this script installs everything else; install the PyTorch '
            "build that matches the machine's CUDA driver first")


def mmcv_version_of(source: str) -> str:
    match = re.match(r'mmcv-(.+)\.tar\.gz$', osp.basename(source))
    return match.group(1) if match else '?'


def matching_mmcv_wheel(carry: str):
    """A carried mmcv wheel built for this Python (its tag), if any."""
    tag = f'cp{sys.version_info.major}{sys.version_info.minor}'
    for wheel in carried_wheels(carry):
        if distribution_of(wheel) == 'mmcv' and f'-{tag}-' in wheel:
            return wheel
    return None


def stage_mmcv(carry: str, cuda_ops: bool, keep_wheels=None) -> None:
    require_torch()
    if importable('mmcv.ops'):
        say('mmcv: mmcv.ops already imports')
        return
    wheel = matching_mmcv_wheel(carry)
    if wheel:
        say(f'mmcv: installing the carried {osp.basename(wheel)}')
        pip(wheel)
        if importable('mmcv.ops'):
            return
        say(f'mmcv: {osp.basename(wheel)} does not import here '
            '(another PyTorch?); building from source')
    sources = sorted(glob.glob(osp.join(carry, 'mmcv-*.tar.gz')))
    if not sources:
        raise SystemExit(
            f'[gpu-install] {osp.join(carry, "mmcv-<version>.tar.gz")} not '
            "found: pack.py downloads mmcv's source")
    source = sources[-1]
    env = dict(os.environ, MMCV_WITH_OPS='1')
    env.setdefault('MAX_JOBS', str(os.cpu_count() or 4))
    if cuda_ops:
        env['FORCE_CUDA'] = '1'
        if 'TORCH_CUDA_ARCH_LIST' not in env:
            env['TORCH_CUDA_ARCH_LIST'] = subprocess.run(
                [
                    sys.executable, '-c', 'import torch; print("%d.%d" % '
                    'torch.cuda.get_device_capability())'
                ],
                capture_output=True,
                text=True).stdout.strip()
        what = f'CPU and CUDA ops (arch {env["TORCH_CUDA_ARCH_LIST"]})'
    else:
        # mmcv compiles its CUDA kernels whenever torch sees a GPU.
        env.update(FORCE_CUDA='0', CUDA_VISIBLE_DEVICES='')
        what = 'CPU ops'
    say(f'mmcv: building {osp.basename(source)} with {what}, '
        f'{env["MAX_JOBS"]} jobs')
    with tempfile.TemporaryDirectory() as build:
        command = [
            sys.executable, '-m', 'pip', 'wheel', '--no-index', '--no-deps',
            '--no-build-isolation', '--disable-pip-version-check', '-w', build,
            source
        ]
        if subprocess.run(command, env=env).returncode != 0:
            raise SystemExit(f'[gpu-install] building {source} failed')
        built = glob.glob(osp.join(build, 'mmcv-*.whl'))[0]
        pip(built)
        if keep_wheels:
            os.makedirs(keep_wheels, exist_ok=True)
            shutil.copy(built, keep_wheels)
            say(f'mmcv: kept {osp.basename(built)} in {keep_wheels}')
    if not importable('mmcv.ops'):
        raise SystemExit('[gpu-install] mmcv was built but mmcv.ops does '
                         'not import')
    say(f'mmcv {mmcv_version_of(source)} installed')


def stage_package() -> None:
    require_torch()
    if importable('mmseg_srt'):
        say('package: mmseg_srt already imports')
        return
    # Not editable: setuptools' develop command calls pip again without
    # --no-index, which fails offline.
    say(f'package: installing {REPO} (no dependencies)')
    pip('--no-build-isolation', REPO)


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    for stage in STAGES:
        if stage not in args.stages:
            continue
        begin = time.perf_counter()
        if stage == 'wheels':
            stage_wheels(args.carry)
        elif stage == 'mmcv':
            stage_mmcv(args.carry, args.cuda_ops, args.keep_wheels)
        else:
            stage_package()
        say(f'{stage}: {time.perf_counter() - begin:.0f} s')
    say(f'done in {time.perf_counter() - start:.0f} s')


if __name__ == '__main__':
    main()
