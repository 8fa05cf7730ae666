"""Shared fixtures: tiny EndoSynth data, tiny configs, running the tools."""
import os
import os.path as osp
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest

REPO = Path(__file__).resolve().parents[1]
# tools/srt_tools (the tools' own package) as the tools import it; appended,
# so tools/test.py and the like never shadow a module of the same name.
sys.path.append(str(REPO / 'tools'))
# The real polyp data: SRT_POLYP_DATA, else the shared folder beside the
# checkout (where CI puts it).
POLYP_DATA = Path(
    os.environ.get('SRT_POLYP_DATA',
                   REPO.parent / 'shared' / 'data' / 'polyp'))

# The real CamVid day -> dusk copy: SRT_CAMVID_DATA, else the shared folder.
CAMVID_DATA = Path(
    os.environ.get('SRT_CAMVID_DATA',
                   REPO.parent / 'shared' / 'data' / 'camvid'))


# The real Cityscapes (pix2pix copy): SRT_CITYSCAPES_DATA, else the shared
# folder.
CITYSCAPES_DATA = Path(
    os.environ.get('SRT_CITYSCAPES_DATA',
                   REPO.parent / 'shared' / 'data' / 'cityscapes_pix2pix'))


def run_tool(args: List[str],
             cwd: Optional[Path] = None,
             expect_ok: bool = True,
             timeout: int = 600,
             env: Optional[dict] = None) -> subprocess.CompletedProcess:
    """Run ``args`` (a tools/ script and its arguments) with this Python."""
    command = args if args[0].endswith('.sh') else [sys.executable, *args]
    if command[0].endswith('.sh'):
        command = ['bash', *command]
    full_env = dict(os.environ, PYTHON=sys.executable, **(env or {}))
    result = subprocess.run(
        command,
        cwd=str(cwd or REPO),
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout)
    if expect_ok and result.returncode != 0:
        raise AssertionError(
            f'{" ".join(map(str, command))} exited {result.returncode}\n'
            f'--- stdout (tail) ---\n{result.stdout[-4000:]}\n'
            f'--- stderr (tail) ---\n{result.stderr[-6000:]}')
    return result


def require_shared_polyp() -> Path:
    """The real Kvasir-SEG / CVC-ClinicDB / CVC-ColonDB copy (POLYP_DATA).

    CI always has it beside the clone, so there its absence fails; on a
    user's machine without it the real-data tests are skipped.
    """
    root = POLYP_DATA
    if not (root / 'Kvasir-SEG' / 'source_train.txt').is_file():
        message = (f'real polyp data not found at {root}: set '
                   'SRT_POLYP_DATA to a folder holding Kvasir-SEG/, '
                   'CVC-ClinicDB/, CVC-ColonDB/ with their split files')
        if os.environ.get('CI'):
            pytest.fail(message)
        pytest.skip(message)
    return root


def require_shared_camvid() -> Path:
    """The real CamVid day -> dusk copy (CAMVID_DATA): required on CI,
    skipped elsewhere when absent."""
    root = CAMVID_DATA
    if not (root / 'splits' / 'dusk_train.txt').is_file():
        message = (f'real CamVid data not found at {root}: set '
                   'SRT_CAMVID_DATA to a folder holding images/, labels/ '
                   'and splits/')
        if os.environ.get('CI'):
            pytest.fail(message)
        pytest.skip(message)
    return root


def require_shared_cityscapes() -> Path:
    """The real Cityscapes pix2pix copy (CITYSCAPES_DATA): required on CI,
    skipped elsewhere when absent."""
    root = CITYSCAPES_DATA
    if not (root / 'train' / '1.jpg').is_file():
        message = (f'real Cityscapes (pix2pix) data not found at {root}: '
                   'set SRT_CITYSCAPES_DATA to a folder holding train/N.jpg '
                   'and val/N.jpg')
        if os.environ.get('CI'):
            pytest.fail(message)
        pytest.skip(message)
    return root


@pytest.fixture(scope='session')
def tiny_endosynth(tmp_path_factory) -> Path:
    """A small EndoSynth: 8 source train, 4 val, 8 target train, 4 test."""
    from mmseg_srt.datasets import generate_endosynth
    root = tmp_path_factory.mktemp('data') / 'endosynth'
    generate_endosynth(
        str(root),
        num_source_train=8,
        num_source_val=4,
        num_target_train=8,
        num_target_test=4)
    return root


def write_tiny_config(folder: Path, data_root: Path, max_iters: int = 4,
                      checkpoint_interval: int = 2) -> Path:
    """The EndoSynth source-only config (a plain mmseg segmentor), shrunk
    for a CPU test.

    Dropout is off so that a resumed run is bit-comparable with a straight
    one (dropout draws from the torch RNG inside the training step, which a
    resumed run does not replay).
    """
    path = folder / 'tiny_endosynth.py'
    path.write_text(f'''
_base_ = [{str(REPO / 'configs/endosynth/bl_deeplabv3-r18tiny_1.5k.py')!r}]
data_root = {str(data_root)!r}
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
model = dict(decode_head=dict(dropout_ratio=0.))
train_cfg = dict(max_iters={max_iters}, val_interval=1000)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval={checkpoint_interval}))
''')
    return path


@pytest.fixture
def tiny_config(tmp_path, tiny_endosynth) -> Path:
    return write_tiny_config(tmp_path, tiny_endosynth)


def checkpoint_path(work_dir: Path, iteration: int) -> Path:
    return Path(work_dir) / f'iter_{iteration}.pth'


def exists(path) -> bool:
    return osp.exists(str(path))


@pytest.fixture(scope='session', autouse=True)
def mmseg_default_scope():
    """Components built outside a Runner resolve names in mmseg's scope."""
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=True)


def write_tiny_uda_config(folder: Path, data_root: Path, max_iters: int = 4,
                          checkpoint_interval: int = 2,
                          extra: str = '') -> Path:
    """The quick start's SRT config shrunk for a CPU test (dropout off, as
    in :func:`write_tiny_config`)."""
    path = folder / 'tiny_uda_endosynth.py'
    path.write_text(f'''
_base_ = [{str(REPO / 'configs' / 'srt_endosynth.py')!r}]
data_root = {str(data_root)!r}
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(source=dict(data_root=data_root),
                 target=dict(data_root=data_root)))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
model = dict(segmentor=dict(decode_head=dict(dropout_ratio=0.)))
train_cfg = dict(max_iters={max_iters}, val_interval=1000)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval={checkpoint_interval}))
{extra}
''')
    return path


TINY_BENCHMARK = '''
_base_ = [{config!r}]
data_root = {root!r}
model = {model}
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset={dataset})
val_dataloader = dict(
    num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=2, val_interval=1000)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, max_keep_ckpts=1))
'''
# Dropout off and no ImageNet weights: two runs are bit-comparable.
TINY_SEGMENTOR = dict(
    decode_head=dict(dropout_ratio=0.), backbone=dict(init_cfg=None))


def write_tiny_benchmark_config(folder: Path, config: Path, uda: bool,
                                root: Path) -> Path:
    """A real benchmark config (CamVid's, Cityscapes') on the data under
    ``root``: two iterations of batch 2, no workers; an SRTAdapter config
    (``uda``) keeps its target pipeline, with the superpixel cache under
    ``root``."""
    from mmengine.config import Config
    if uda:
        pipeline = Config.fromfile(
            config).train_dataloader.dataset.target.pipeline
        pipeline = [
            dict(step.to_dict(), cache_dir=str(root / 'superpixels'))
            if step['type'] == 'SuperpixelSLIC' else step.to_dict()
            for step in pipeline
        ]
        model = dict(segmentor=TINY_SEGMENTOR)
        dataset = dict(
            source=dict(data_root=str(root)),
            target=dict(data_root=str(root), pipeline=pipeline))
    else:
        model, dataset = TINY_SEGMENTOR, dict(data_root=str(root))
    path = folder / 'config.py'
    path.write_text(
        TINY_BENCHMARK.format(
            config=str(config),
            root=str(root),
            model=repr(model),
            dataset=repr(dataset)))
    return path
