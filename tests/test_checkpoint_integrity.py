"""Checkpoints written whole, and a damaged one named in one line: cut at
every length, not a checkpoint at all, written by a process that fails or is
killed mid-write, resumed from the newest whole one."""
import pickle
import zipfile

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import save_checkpoint

from mmseg_srt.utils import (CheckpointError, check_checkpoint,
                             load_checkpoint_safely, newest_whole_checkpoint,
                             require_checkpoints, resume_candidates,
                             write_atomically)


def _mmengine_checkpoint() -> dict:
    """What mmengine's resume checkpoints hold: tensors, an optimizer state,
    the message hub (HistoryBuffers, numpy)."""
    hub = MessageHub.get_instance('checkpoint_integrity')
    hub.update_scalar('train/loss', 0.5)
    hub.update_info('iter', 4)
    return {
        'meta': {'iter': 4, 'seed': 0},
        'state_dict': {'conv.weight': torch.arange(6000.).reshape(60, 100)},
        'optimizer': {'state': {0: {'step': torch.tensor(4.)}}},
        'message_hub': hub.state_dict(),
    }


@pytest.fixture
def whole(tmp_path):
    path = tmp_path / 'iter_4.pth'
    torch.save(_mmengine_checkpoint(), path)
    return path


def _cut(source, target, length):
    target.write_bytes(source.read_bytes()[:length])
    return target


@pytest.mark.parametrize('fraction', [1e-9, 0.001, 0.25, 0.5, 0.9, 0.99999])
def test_cut_checkpoint_named_in_one_line_at_every_length(
        whole, tmp_path, fraction):
    """A prefix of a checkpoint, of any length (what a kill or a full disk
    during ``torch.save`` leaves): torch's own reader fails on it, and ours
    says in one line which file and that it was cut short, before any
    unpickling."""
    size = whole.stat().st_size
    length = max(1, int(size * fraction))
    cut = _cut(whole, tmp_path / 'cut.pth', length)
    with pytest.raises(Exception):  # the independent check: torch agrees
        torch.load(cut, weights_only=True)
    for read in (check_checkpoint, load_checkpoint_safely):
        with pytest.raises(CheckpointError) as error:
            read(str(cut))
        message = str(error.value)
        assert '\n' not in message
        assert f'checkpoint {cut} is cut short: {length} bytes' in message
    with pytest.raises(SystemExit) as stop:
        require_checkpoints([str(whole), str(cut)])
    assert stop.value.code == message


def test_whole_checkpoint_passes_and_loads(whole):
    check_checkpoint(str(whole))
    loaded = load_checkpoint_safely(str(whole))
    assert torch.equal(loaded['state_dict']['conv.weight'],
                       _mmengine_checkpoint()['state_dict']['conv.weight'])
    require_checkpoints([str(whole)])  # no exit


def test_not_a_checkpoint(tmp_path):
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    text = tmp_path / 'config.pth'
    text.write_text("model = dict(type='EncoderDecoder')\n")
    archive = tmp_path / 'archive.pth'
    with zipfile.ZipFile(archive, 'w') as f:
        f.writestr('images/1.png', b'not a pickle')
    expected = {
        empty: f'checkpoint {empty} is empty (0 bytes)',
        text: f"{text} is not a checkpoint: torch.save writes a zip archive "
        "(or, before torch 1.6, a pickle), this file begins with b'mode'",
        archive: f'{archive} is not a checkpoint: a zip archive without the '
        'data.pkl that torch.save writes',
    }
    for path, message in expected.items():
        with pytest.raises(CheckpointError) as error:
            load_checkpoint_safely(str(path))
        assert str(error.value) == message
    missing = tmp_path / 'iter_9.pth'
    with pytest.raises(SystemExit) as stop:
        require_checkpoints([str(missing), str(empty)])
    assert stop.value.code.splitlines() == [
        f'checkpoint not found: {missing}', expected[empty]
    ]


def test_legacy_pickle_checkpoint_loads_and_its_cut_is_named(tmp_path):
    """torch < 1.6 wrote a plain pickle (old pretrained weights): it still
    loads; cut short, the load names the file in one line."""
    legacy = tmp_path / 'legacy.pth'
    checkpoint = {'state_dict': {'w': torch.ones(3, 3)}}
    torch.save(checkpoint, legacy, _use_new_zipfile_serialization=False)
    assert torch.equal(
        load_checkpoint_safely(str(legacy))['state_dict']['w'],
        torch.ones(3, 3))
    cut = _cut(legacy, tmp_path / 'legacy_cut.pth',
               legacy.stat().st_size // 2)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint_safely(str(cut))
    assert str(error.value).startswith(f'checkpoint {cut} is damaged: ')
    assert '\n' not in str(error.value)


class _DiskFull(OSError):
    pass


def test_write_atomically_keeps_the_old_file_when_a_write_fails(tmp_path):
    target = tmp_path / 'iter_2.pth'
    torch.save({'iter': 1}, target)
    before = target.read_bytes()

    def fails_halfway(f):
        f.write(b'PK\x03\x04' + b'x' * 1000)
        raise _DiskFull(28, 'No space left on device')

    with pytest.raises(_DiskFull):
        write_atomically(target, fails_halfway)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ['iter_2.pth']
    # a part a killed writer left behind is replaced by the next write
    (tmp_path / '.iter_2.pth.part').write_bytes(b'PK\x03\x04 left behind')
    write_atomically(target, lambda f: torch.save({'iter': 2}, f))
    assert load_checkpoint_safely(str(target)) == {'iter': 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ['iter_2.pth']


def test_mmengine_save_checkpoint_with_the_atomic_backend(tmp_path):
    """``backend_args=dict(backend='atomic_local')`` is how CheckpointHook
    and ``runner.save_checkpoint`` reach the backend."""
    path = tmp_path / 'work' / 'iter_4.pth'
    save_checkpoint(_mmengine_checkpoint(), str(path),
                    backend_args=dict(backend='atomic_local'))
    assert load_checkpoint_safely(str(path))['meta']['iter'] == 4
    assert sorted(p.name for p in path.parent.iterdir()) == ['iter_4.pth']


def test_resume_takes_the_newest_whole_checkpoint(whole, tmp_path):
    """last_checkpoint names a cut iter_6; iter_4 is whole, iter_2 too:
    iter_4, with one line for iter_6. Nothing whole: None and every line.
    No checkpoint at all: None and nothing passed over (train anew)."""
    work = tmp_path / 'work'
    work.mkdir()
    for step in (2, 4):
        (work / f'iter_{step}.pth').write_bytes(whole.read_bytes())
    cut = _cut(whole, work / 'iter_6.pth', 1000)
    (work / 'last_checkpoint').write_text(str(cut))
    (work / 'best_mIoU_iter_4.pth').write_bytes(whole.read_bytes())
    assert resume_candidates(str(work)) == [
        str(cut), str(work / 'iter_4.pth'), str(work / 'iter_2.pth')
    ]
    assert newest_whole_checkpoint(str(work)) == (
        str(work / 'iter_4.pth'),
        [f'checkpoint {cut} is cut short: 1000 bytes of a zip archive '
         'without its end (its write was interrupted)'])
    for step in (2, 4):
        _cut(whole, work / f'iter_{step}.pth', 10)
    found, passed_over = newest_whole_checkpoint(str(work))
    assert found is None and len(passed_over) == 3
    assert newest_whole_checkpoint(str(tmp_path / 'fresh')) == (None, [])


def test_unsafe_checkpoint_refused_before_unpickling(tmp_path):
    """The allow-list is checked on the archive's pickle without running
    it (``check_checkpoint``), the way every tool checks first."""

    class Runs:

        def __reduce__(self):
            return (pickle.loads, (b'.', ))

    path = tmp_path / 'evil.pth'
    torch.save({'meta': Runs()}, path)
    with pytest.raises(CheckpointError) as error:
        check_checkpoint(str(path))
    assert str(error.value).startswith(
        f'Refusing to load checkpoint {path}: it contains a pickled object')
    assert '(pickle.loads)' in str(error.value)


def _sweep_tool():
    import importlib.util

    from .conftest import REPO
    spec = importlib.util.spec_from_file_location('sweep_tool',
                                                  REPO / 'tools/sweep.py')
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    return sweep


def test_sweep_trusts_only_a_final_checkpoint_that_loads(whole, tmp_path):
    """A run is 'trained' only when last_checkpoint names its final
    checkpoint and that loads; a final checkpoint cut at any length, or one
    that last_checkpoint does not name, is resumed (issue seen: a cut final
    checkpoint was tested, failed, and failed again on every sweep)."""
    from .conftest import REPO
    sweep = _sweep_tool()
    config = str(REPO / 'configs/endosynth/srt_deeplabv3-r18tiny_1.5k.py')
    run = sweep.Run(config, 0, str(tmp_path), 1, [])
    assert run.state == 'new'
    work = tmp_path / 'srt_deeplabv3-r18tiny_1.5k' / 'seed0'
    work.mkdir(parents=True)
    final = work / 'iter_1500.pth'
    (work / 'iter_1250.pth').write_bytes(whole.read_bytes())
    (work / 'last_checkpoint').write_text(str(work / 'iter_1250.pth'))
    assert run.state == 'resumable'
    final.write_bytes(whole.read_bytes())  # written, last_checkpoint not yet
    assert run.state == 'resumable'
    (work / 'last_checkpoint').write_text(str(final))
    assert run.state == 'trained'
    size = whole.stat().st_size
    for length in (0, 3, size // 3, size - 1):
        _cut(whole, final, length)
        assert run.state == 'resumable', length


def test_train_tool_stops_first_on_a_cut_checkpoint(tiny_config, whole,
                                                    tmp_path, monkeypatch):
    """``--resume CUT`` and ``load_from=CUT``: one line naming the file,
    before a Runner (or a work dir) exists."""
    import runpy
    import sys

    from .conftest import REPO
    cut = _cut(whole, tmp_path / 'iter_2.pth', 5000)
    work = tmp_path / 'work'
    path = str(REPO / 'tools' / 'train.py')
    monkeypatch.syspath_prepend(str(REPO / 'tools'))
    for extra in (['--resume', str(cut)],
                  ['--cfg-options', f'load_from={cut}']):
        monkeypatch.setattr(
            sys, 'argv',
            [path, str(tiny_config), '--work-dir', str(work), *extra])
        with pytest.raises(SystemExit) as stop:
            runpy.run_path(path, run_name='__main__')
        assert stop.value.code == (
            f'checkpoint {cut} is cut short: 5000 bytes of a zip archive '
            'without its end (its write was interrupted)')
        assert not work.exists()


# A writer of big checkpoints, as the runner writes them (mmengine's
# save_checkpoint with the hook's backend_args), one step after another.
_WRITER = '''
import sys
import torch
import mmseg_srt  # registers the atomic_local backend
from mmengine.runner.checkpoint import save_checkpoint
folder, backend = sys.argv[1], sys.argv[2]
backend_args = None if backend == 'local' else dict(backend=backend)
checkpoint = {'state_dict': {'w': torch.ones(32 * 1024 * 1024)}}  # 128 MiB
for step in range(1, 100):
    save_checkpoint(checkpoint, f'{folder}/iter_{step}.pth',
                    backend_args=backend_args)
    print(f'saved {step}', flush=True)
'''


def _kill_while_writing(folder, backend):
    """Start the writer, wait for iter_1.pth, then SIGKILL it while the
    bytes of iter_2 are going to disk (the file being written has some but
    not all of them)."""
    import os
    import signal
    import subprocess
    import sys
    import time
    folder.mkdir()
    writer = subprocess.Popen(
        [sys.executable, '-c', _WRITER, str(folder), backend],
        stdout=subprocess.PIPE, text=True)
    try:
        for line in writer.stdout:  # mmengine may log before
            if line.strip() == 'saved 1':
                break
        full = (folder / 'iter_1.pth').stat().st_size
        writing = folder / ('iter_2.pth' if backend == 'local' else
                            '.iter_2.pth.part')
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                size = writing.stat().st_size
            except FileNotFoundError:
                continue
            if 0 < size < full:
                writer.send_signal(signal.SIGKILL)
                break
        else:
            raise AssertionError(f'never saw {writing} being written')
    finally:
        writer.kill()
        writer.wait()
    os.sync()
    return full


@pytest.mark.slow
def test_kill_during_save_leaves_only_whole_checkpoints(tmp_path):
    """SIGKILL while a 128 MiB checkpoint is being written: with
    ``atomic_local`` the folder holds iter_1.pth whole and no iter_2.pth
    (the killed write stays a hidden part); mmengine's default local backend,
    killed the same way, leaves iter_2.pth cut short (the control: the kill
    lands inside the write)."""
    _kill_while_writing(tmp_path / 'atomic', 'atomic_local')
    checkpoints = sorted(p.name for p in (tmp_path / 'atomic').glob('*.pth'))
    assert checkpoints == ['iter_1.pth']
    assert load_checkpoint_safely(
        str(tmp_path / 'atomic' / 'iter_1.pth'))['state_dict']['w'].sum() == (
            32 * 1024 * 1024)
    assert newest_whole_checkpoint(str(tmp_path / 'atomic'))[0] == str(
        tmp_path / 'atomic' / 'iter_1.pth')

    _kill_while_writing(tmp_path / 'local', 'local')
    with pytest.raises(CheckpointError, match='is cut short'):
        check_checkpoint(str(tmp_path / 'local' / 'iter_2.pth'))


@pytest.mark.slow
def test_failed_save_keeps_the_previous_checkpoint(tmp_path, tiny_endosynth):
    """``max_keep_ckpts=1`` and the save of iteration 2 fails (a directory
    where the file goes: as sure a failure as a full disk). mmengine's
    CheckpointHook has already removed iter_1.pth: nothing is left to
    resume from. AtomicCheckpointHook removes it only after iter_2 is
    whole: iter_1.pth is there, the run resumes from it and ends with one
    checkpoint, iter_3.pth."""
    from .conftest import run_tool, write_tiny_config
    config = write_tiny_config(tmp_path, tiny_endosynth, max_iters=3,
                               checkpoint_interval=1)
    keep_one = 'default_hooks.checkpoint.max_keep_ckpts=1'

    plain = tmp_path / 'plain'
    (plain / 'iter_2.pth').mkdir(parents=True)
    failed = run_tool(['tools/train.py', str(config), '--work-dir',
                       str(plain), '--cfg-options', keep_one,
                       'default_hooks.checkpoint.type=CheckpointHook'],
                      expect_ok=False)
    assert failed.returncode != 0
    assert not (plain / 'iter_1.pth').exists()
    assert newest_whole_checkpoint(str(plain))[0] is None

    ours = tmp_path / 'ours'
    (ours / '.iter_2.pth.part').mkdir(parents=True)
    failed = run_tool(['tools/train.py', str(config), '--work-dir',
                       str(ours), '--cfg-options', keep_one],
                      expect_ok=False)
    assert failed.returncode != 0
    assert load_checkpoint_safely(str(ours / 'iter_1.pth'))['meta'][
        'iter'] == 1
    assert newest_whole_checkpoint(str(ours)) == (str(ours / 'iter_1.pth'),
                                                  [])
    (ours / '.iter_2.pth.part').rmdir()
    resumed = run_tool(['tools/train.py', str(config), '--work-dir',
                        str(ours), '--cfg-options', keep_one, '--resume'])
    assert 'resumed epoch: 0, iter: 1' in resumed.stdout + resumed.stderr
    assert sorted(p.name for p in ours.glob('*.pth')) == ['iter_3.pth']
    assert load_checkpoint_safely(str(ours / 'iter_3.pth'))['meta'][
        'iter'] == 3


def _same_weights(a: str, b: str) -> None:
    first, second = load_checkpoint_safely(a), load_checkpoint_safely(b)
    assert first['meta']['iter'] == second['meta']['iter']
    assert first['state_dict'].keys() == second['state_dict'].keys()
    for key, value in first['state_dict'].items():
        torch.testing.assert_close(
            value, second['state_dict'][key], rtol=0, atol=1e-6, msg=key)


@pytest.mark.slow
def test_sweep_resumes_a_run_whose_final_checkpoint_was_cut(
        tmp_path, tiny_endosynth):
    """A run trained to its end (iter_2 and iter_4 kept), then its final
    checkpoint cut in half: the sweep calls it resumable, ``tools/train.py
    --resume`` says in one line that it passes over the cut file and
    resumes from iter_2, the run ends with the weights it had before the
    cut, and the sweep tests and records it."""
    import shutil

    import yaml

    from .conftest import run_tool, write_tiny_config
    config = write_tiny_config(tmp_path, tiny_endosynth, max_iters=4,
                               checkpoint_interval=2)
    root = tmp_path / 'runs'
    work = root / 'tiny_endosynth' / 'seed0'
    # as the sweep trains it: seed 0, one thread
    run_tool(['tools/train.py', str(config), '--work-dir', str(work),
              '--cfg-options', 'randomness.seed=0'],
             env=dict(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1'))
    shutil.copy(work / 'iter_4.pth', tmp_path / 'reference.pth')
    size = (work / 'iter_4.pth').stat().st_size
    _cut(tmp_path / 'reference.pth', work / 'iter_4.pth', size // 2)
    swept = run_tool([
        'tools/sweep.py', str(config), '--seeds', '0', '--jobs', '1',
        '--metafile', str(tmp_path / 'metafile.yaml'), '--work-root',
        str(root)
    ])
    assert f'tiny_endosynth_seed0 (resumable) in {work}' in swept.stdout
    log = (work / 'sweep.log').read_text()
    assert (f'--resume: checkpoint {work / "iter_4.pth"} is cut short: '
            f'{size // 2} bytes of a zip archive without its end (its write '
            f'was interrupted); resuming from {work / "iter_2.pth"}, the '
            f'newest whole checkpoint in {work}') in log
    _same_weights(str(work / 'iter_4.pth'), str(tmp_path / 'reference.pth'))
    recorded = yaml.safe_load((tmp_path / 'metafile.yaml').read_text())
    assert 'mIoU' in recorded['Models'][0]['Results'][0]['Metrics']
