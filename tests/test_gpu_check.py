"""benchmarks/gpu/: what can be checked without a GPU.

The installer runs in a fresh virtual environment (no torch, no mmcv) from
a carried folder of wheels; the data subset is compared with the files it
was cut from; the synthetic urban frames are read by the paper config's own
datasets and pipelines.
"""
import importlib.util
import subprocess
import sys
import venv
from pathlib import Path

import numpy as np
import pytest

from .conftest import REPO

GPU = REPO / 'benchmarks' / 'gpu'


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f'gpu_{name}',
                                                  GPU / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _load('check')
pack = _load('pack')


def _toy_wheel(tmp_path: Path, out: Path) -> Path:
    """A one-module wheel built offline with this environment's setuptools."""
    src = tmp_path / 'toy_src'
    (src / 'srt_toy').mkdir(parents=True)
    (src / 'srt_toy' / '__init__.py').write_text('VALUE = 41 + 1\n')
    (src / 'setup.py').write_text(
        'from setuptools import setup\n'
        "setup(name='srt-toy', version='1.0', packages=['srt_toy'])\n")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-index',
        '--no-build-isolation', '-q', '-w',
        str(out),
        str(src)
    ],
                   check=True)
    (wheel, ) = out.glob('srt_toy-*.whl')
    return wheel


@pytest.fixture(scope='module')
def fresh_python(tmp_path_factory) -> str:
    """A new virtual environment with pip and nothing else."""
    root = tmp_path_factory.mktemp('fresh') / 'venv'
    venv.EnvBuilder(with_pip=True).create(root)
    return str(root / 'bin' / 'python')


def _install(python: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([python, str(GPU / 'install.py'), *args],
                          capture_output=True,
                          text=True,
                          cwd=str(REPO),
                          timeout=300)


@pytest.mark.slow
def test_install_wheels_into_a_fresh_environment(fresh_python, tmp_path):
    carry = tmp_path / 'carry'
    _toy_wheel(tmp_path, carry / 'wheels')
    probe = [fresh_python, '-c', 'import srt_toy; print(srt_toy.VALUE)']
    assert subprocess.run(probe, capture_output=True).returncode != 0

    first = _install(fresh_python, '--carry', str(carry), '--stages', 'wheels')
    assert first.returncode == 0, first.stderr
    assert 'installing 1 (srt-toy)' in first.stdout
    out = subprocess.run(probe, capture_output=True, text=True, cwd='/')
    assert out.stdout.strip() == '42'

    # Installed distributions are not installed again.
    second = _install(fresh_python, '--carry', str(carry), '--stages',
                      'wheels')
    assert second.returncode == 0, second.stderr
    assert 'all 1 carried distributions installed' in second.stdout


@pytest.mark.slow
def test_install_needs_torch_and_names_missing_files(fresh_python, tmp_path):
    # No carry folder: the error names the folder it looked for.
    missing = tmp_path / 'nowhere'
    result = _install(fresh_python, '--carry', str(missing))
    assert result.returncode != 0
    assert str(missing / 'wheels') in result.stderr + result.stdout

    # The fresh environment has no PyTorch: mmcv cannot be built there.
    (tmp_path / 'carry' / 'wheels').mkdir(parents=True)
    result = _install(fresh_python, '--carry', str(tmp_path / 'carry'),
                      '--stages', 'mmcv')
    assert result.returncode != 0
    assert 'PyTorch is not installed' in result.stderr + result.stdout


@pytest.mark.slow
def test_install_skips_what_imports(tmp_path):
    # This environment has mmcv with ops and the package: nothing to do,
    # even without mmcv's source in the carry folder.
    (tmp_path / 'wheels').mkdir()
    result = _install(sys.executable, '--carry', str(tmp_path), '--stages',
                      'mmcv', 'package')
    assert result.returncode == 0, result.stderr
    assert 'mmcv.ops already imports' in result.stdout
    assert 'mmseg_srt already imports' in result.stdout


def _converted(root: Path, names_by_split: dict) -> None:
    """A converted polyp folder: images, masks, split lists, labels."""
    for (domain, split), names in names_by_split.items():
        for sub in ('images', 'masks'):
            (root / domain / sub).mkdir(parents=True, exist_ok=True)
        with open(root / domain / f'{split}.txt', 'w') as f:
            f.writelines(n + '\n' for n in names)
        with open(root / domain / 'image_labels.txt', 'a') as f:
            f.writelines(f'{n} 0 1\n' for n in names)
        for name in names:
            (root / domain / 'images' / f'{name}.jpg').write_bytes(
                name.encode())
            (root / domain / 'masks' /
             f'{name}.png').write_bytes(b'm' + name.encode())
    (root / 'meta.json').write_text('{}')


def test_pack_subset_keeps_the_first_names_with_their_files(tmp_path):
    root = tmp_path / 'kvasir2cvc'
    splits = {
        ('source', 'train'): ['a1', 'a2', 'a3'],
        ('source', 'val'): ['b1', 'b2', 'b3'],
        ('target', 'train'): ['1', '2', '3'],
        ('target', 'test'): ['10', '11', '12'],
    }
    _converted(root, splits)
    out = tmp_path / 'out'
    counts = pack.subset_data(str(root), str(out), num_images=2)
    assert counts == {
        'source/train.txt': 2,
        'source/val.txt': 2,
        'target/test.txt': 2,
        'target/train.txt': 2
    }
    for (domain, split), names in splits.items():
        kept = names[:2]
        assert (out / domain / f'{split}.txt').read_text().split() == kept
        for name in kept:
            assert (out / domain / 'images' / f'{name}.jpg').read_bytes() \
                == name.encode()
            assert (out / domain / 'masks' / f'{name}.png').is_file()
        assert not (out / domain / 'images' / f'{names[2]}.jpg').exists()
    # Image labels: exactly the kept names of the domain's splits.
    labelled = sorted(
        line.split()[0]
        for line in (out / 'target' /
                     'image_labels.txt').read_text().splitlines())
    assert labelled == ['1', '10', '11', '2']
    assert (out / 'meta.json').is_file()

    with pytest.raises(SystemExit, match='no meta.json'):
        pack.subset_data(str(tmp_path / 'out' / 'source'), str(tmp_path / 'x'),
                         2)


def test_pack_chosen_splits_whole(tmp_path):
    """--splits source/train.txt target/test.txt --num-images 0: every name
    of those two splits, nothing of the others; a split that is not there
    is named."""
    root = tmp_path / 'kvasir2colondb'
    _converted(root, {
        ('source', 'train'): ['a1', 'a2', 'a3'],
        ('source', 'val'): ['b1', 'b2'],
        ('target', 'test'): ['10', '11', '12'],
    })
    out = tmp_path / 'out'
    counts = pack.subset_data(str(root), str(out), 0,
                              ['source/train.txt', 'target/test.txt'])
    assert counts == {'source/train.txt': 3, 'target/test.txt': 3}
    assert sorted(p.name for p in (out / 'source' / 'images').iterdir()) \
        == ['a1.jpg', 'a2.jpg', 'a3.jpg']
    assert not (out / 'source' / 'val.txt').exists()
    with pytest.raises(SystemExit, match='target/train_regions.txt'):
        pack.subset_data(str(root), str(tmp_path / 'x'), 0,
                         ['target/train_regions.txt'])
    with pytest.raises(SystemExit, match='DOMAIN/SPLIT'):
        pack.subset_data(str(root), str(tmp_path / 'x'), 0, ['train.txt'])


def test_synthetic_urban_frames_fit_the_paper_config(tmp_path):
    from common import one_batch
    check.write_urban(str(tmp_path), count=4)
    cfg = check.paper_config(str(tmp_path), crop=64)
    cfg.train_dataloader.batch_size = 2
    for step in cfg.train_dataloader.dataset.target.pipeline:
        if step['type'] == 'SuperpixelSLIC':
            step['n_segments'] = 50  # speed only: SLIC is not under test
    batch = one_batch(cfg)
    for domain in ('source', 'target'):
        assert len(batch[domain]['inputs']) == 2
        assert tuple(batch[domain]['inputs'][0].shape) == (3, 64, 64)
    # Source masks hold the 19 classes the frames were painted with.
    values = np.unique(
        np.concatenate([
            s.gt_sem_seg.data.numpy().ravel()
            for s in batch['source']['data_samples']
        ]))
    assert set(values) <= set(range(19)) | {255}
    # Target frames carry image labels from the written file.
    labels = batch['target']['data_samples'][0].gt_image_labels
    assert labels.shape[-1] == 19 and labels.sum() > 0


def test_check_table_reports_parts_and_failures():
    args = check.parse_args(['--iters', '200', '--repeats', '10'])
    paper = dict(images=8,
                 shape=(512, 512),
                 times=dict(source_only=0.100,
                            srt=0.125,
                            without_d=0.120,
                            without_pl=0.110),
                 memory=dict(source_only=1000.0, srt=900.0),
                 ratio=1.25)
    text = check.table('card', paper, None, args)
    assert '| 100.0 ms | 125.0 ms | 1.250x |' in text
    assert '+5.0 ms | +5.0 % |' in text  # D: 125 - 120
    assert '+15.0 ms | +15.0 % |' in text  # PL: 125 - 110
    assert '0.90x' in text
    failed = [
        dict(config='x/source-only_r50.py', error=1),
        dict(config='x/srt_r50.py', wall=1.0)
    ]
    assert '| exit 1 | ok |' in check.table('card', None, failed, args)
