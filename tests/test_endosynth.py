"""The embedded EndoSynth data: deterministic, complete, two real domains."""
import hashlib
import multiprocessing
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmseg_srt.datasets import EndoSynthDataset, generate_endosynth

SMALL = dict(
    num_source_train=6,
    num_source_val=2,
    num_target_train=6,
    num_target_test=3)


def _digest(root: Path) -> dict:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob('*')) if p.is_file()
    }


def _read_lines(path: Path):
    return [line for line in path.read_text().split('\n') if line]


def test_same_seed_same_bytes_other_seed_other_images(tmp_path):
    first = Path(generate_endosynth(str(tmp_path / 'a'), **SMALL))
    second = Path(generate_endosynth(str(tmp_path / 'b'), **SMALL))
    third = Path(generate_endosynth(str(tmp_path / 'c'), seed=1, **SMALL))
    assert _digest(first) == _digest(second)
    assert (first / 'source/images/src_0000.png').read_bytes() != (
        third / 'source/images/src_0000.png').read_bytes()


def test_layout_and_labels(tiny_endosynth):
    root = tiny_endosynth
    source_train = _read_lines(root / 'source/train.txt')
    target_train = _read_lines(root / 'target/train.txt')
    target_test = _read_lines(root / 'target/test.txt')
    assert (len(source_train), len(target_train), len(target_test)) == (8, 8,
                                                                       4)
    # Source: every image has a mask, image labels are the mask's classes.
    source_labels = dict(
        (line.split()[0], line.split()[1:])
        for line in _read_lines(root / 'source/image_labels.txt'))
    for name in source_train:
        image = cv2.imread(str(root / f'source/images/{name}.png'))
        mask = cv2.imread(str(root / f'source/masks/{name}.png'),
                          cv2.IMREAD_UNCHANGED)
        assert image.shape == (128, 160, 3) and mask.shape == (128, 160)
        assert set(np.unique(mask)) <= {0, 1}
        expected = [str(k) for k in sorted(set(np.unique(mask)))]
        assert source_labels[name] == expected
    # Target: the training split has image labels and no masks.
    target_labels = [
        line.split() for line in _read_lines(root / 'target/image_labels.txt')
    ]
    assert [fields[0] for fields in target_labels] == target_train
    assert all(fields[1:] in (['0'], ['0', '1']) for fields in target_labels)
    for name in target_train:
        assert not (root / f'target/masks/{name}.png').exists()
    for name in target_test:
        assert (root / f'target/masks/{name}.png').exists()


def test_both_domains_have_images_with_and_without_lesions(tmp_path):
    root = Path(
        generate_endosynth(
            str(tmp_path / 'd'),
            num_source_train=30,
            num_source_val=1,
            num_target_train=30,
            num_target_test=1))
    for domain in ('source', 'target'):
        labels = [
            line.split()[1:]
            for line in _read_lines(root / f'{domain}/image_labels.txt')
        ]
        assert ['0'] in labels and ['0', '1'] in labels, domain


def test_target_looks_like_another_device(tiny_endosynth):
    """White balance, blur and noise differ measurably between domains."""

    def stats(domain, split):
        names = _read_lines(tiny_endosynth / f'{domain}/{split}.txt')
        images = [
            cv2.imread(str(tiny_endosynth / f'{domain}/images/{n}.png'))
            for n in names
        ]
        blue_red = np.mean([im[..., 0].mean() / im[..., 2].mean()
                            for im in images])
        corner_centre = np.mean([
            im[:16, :16].mean() / im[56:72, 72:88].mean() for im in images
        ])
        return blue_red, corner_centre

    source_blue_red, source_vignette = stats('source', 'train')
    target_blue_red, target_vignette = stats('target', 'train')
    assert target_blue_red < 0.93 * source_blue_red  # yellower white balance
    assert target_vignette < 0.9 * source_vignette  # darker corners


def test_refuses_a_folder_that_is_not_endosynth(tmp_path):
    (tmp_path / 'other').mkdir()
    (tmp_path / 'other' / 'file.txt').write_text('x')
    with pytest.raises(FileExistsError, match='other'):
        generate_endosynth(str(tmp_path / 'other'), **SMALL)
    generate_endosynth(str(tmp_path / 'e'), **SMALL)
    with pytest.raises(FileExistsError, match='settings'):
        generate_endosynth(str(tmp_path / 'e'), seed=3, **SMALL)


def _generate(root):
    generate_endosynth(root, **SMALL)


def test_concurrent_first_use_is_safe(tmp_path):
    """DDP ranks may all find the data missing and generate at once."""
    root = str(tmp_path / 'shared')
    context = multiprocessing.get_context('fork')
    workers = [context.Process(target=_generate, args=(root, ))
               for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    reference = generate_endosynth(str(tmp_path / 'single'), **SMALL)
    assert _digest(Path(root)) == _digest(Path(reference))
    assert not list(tmp_path.glob('shared.tmp-*'))


def test_dataset_generates_on_first_use(tmp_path):
    root = tmp_path / 'fresh'
    dataset = EndoSynthDataset(
        data_root=str(root),
        data_prefix=dict(img_path='target/images',
                         seg_map_path='target/masks'),
        ann_file='target/test.txt',
        pipeline=[])
    assert len(dataset) == 80
    assert dataset.metainfo['classes'] == ('normal', 'lesion')
    item = dataset[0]
    assert Path(item['img_path']).is_file()
    assert Path(item['seg_map_path']).is_file()
