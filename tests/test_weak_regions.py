"""Region image labels (tools/convert_datasets/weak_regions.py), the polyp
converter on real CVC-ColonDB files, and proof that no target training mask
reaches training beyond the region labels."""
import importlib.util
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmseg_srt.datasets import read_image_labels

from .conftest import REPO, require_shared_polyp, run_tool

TOOLS = REPO / 'tools' / 'convert_datasets'
COLONDB_TRAIN, COLONDB_TEST = ['1', '2', '40', '120'], ['209', '210']


def _load(name: str):
    sys.path.insert(0, str(TOOLS))
    try:
        spec = importlib.util.spec_from_file_location(name,
                                                      TOOLS / f'{name}.py')
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(TOOLS))
    return module


@pytest.fixture(scope='module')
def regions():
    return _load('weak_regions')


def test_region_boxes_by_hand(regions):
    # 8 x 12 frame, regions of half its sides (4 x 6) on a 3 x 3 grid: tops
    # 0, 2, 4 and lefts 0, 3, 6.
    boxes = regions.region_boxes(8, 12, 0.5, 3)
    assert boxes == [(top, left, top + 4, left + 6) for top in (0, 2, 4)
                     for left in (0, 3, 6)]
    assert regions.region_boxes(8, 12, 1.0, 3) == [(0, 0, 8, 12)]
    with pytest.raises(ValueError, match='size'):
        regions.region_boxes(8, 12, 1.5, 3)


def test_region_labels_by_hand(regions):
    """A 20 x 20 frame; regions are 10 x 10 (100 px), min fraction 5 % (5
    px), margin 2 px."""
    mask = np.zeros((20, 20), np.uint8)
    mask[2:6, 2:6] = 1  # a 16 px polyp well inside the top-left region
    mask[10:20, 12:20] = 1  # a large polyp at the bottom right
    mask[10, 9] = 1  # a 1 px sliver just left of x = 10

    def label(box):
        return regions.region_label(mask, box, num_classes=2,
                                    min_fraction=0.05, margin=2)

    assert label((0, 0, 10, 10)) == [0, 1]  # 16 px of polyp: present
    # rows 0-9, columns 10-19: no polyp inside, but the large one starts
    # at row 10, within the 2 px margin -> ambiguous
    assert label((0, 10, 10, 20)) is None
    # rows 0-6, columns 8-17: the closest polyp pixel (column 5) is 3 px
    # away, outside the margin
    assert label((0, 8, 7, 18)) == [0]
    assert label((0, 7, 7, 17)) is None  # column 5 is 2 px away: ambiguous
    # rows 10-19, columns 0-9 hold the 1 px sliver at (10, 9): < 5 px of
    # polyp, so neither present nor absent -> dropped
    assert label((10, 0, 20, 10)) is None
    # all polyp, but normal mucosa 2 px left of it: normal is ambiguous
    assert label((10, 12, 20, 20)) is None
    all_polyp = np.ones((20, 20), np.uint8)
    assert regions.region_label(all_polyp, (5, 5, 15, 15), 2, 0.05, 2) == [1]
    ignored = mask.copy()
    ignored[0, 0] = 255
    assert regions.region_label(ignored, (0, 0, 10, 10), 2, 0.05, 2) is None


def _mini_colondb(root: Path, polyp: Path) -> Path:
    """Kvasir-SEG's first images and a few real CVC-ColonDB frames in the
    shared layout."""
    kvasir = (polyp / 'Kvasir-SEG/source_train.txt').read_text().split()[:2]
    for folder, names, splits, mask_suffix in (
        ('Kvasir-SEG', kvasir, {
            'source_train.txt': kvasir[:1],
            'source_val.txt': kvasir[1:]
        }, '.jpg'),
        ('CVC-ColonDB', COLONDB_TRAIN + COLONDB_TEST, {
            'target_train.txt': COLONDB_TRAIN,
            'target_test.txt': COLONDB_TEST
        }, '.png'),
    ):
        (root / folder / 'images').mkdir(parents=True)
        (root / folder / 'masks').mkdir()
        for name in names:
            shutil.copy(polyp / folder / 'images' / f'{name}.jpg',
                        root / folder / 'images' / f'{name}.jpg')
            shutil.copy(polyp / folder / 'masks' / f'{name}{mask_suffix}',
                        root / folder / 'masks' / f'{name}{mask_suffix}')
        for split_file, split_names in splits.items():
            (root / folder / split_file).write_text('\n'.join(split_names))
    return root


@pytest.fixture(scope='module')
def colondb(tmp_path_factory):
    polyp = require_shared_polyp()
    tmp = tmp_path_factory.mktemp('colondb')
    src = _mini_colondb(tmp / 'src', polyp)
    out = tmp / 'out'
    run_tool([
        'tools/convert_datasets/polyp.py',
        str(src), '--out-dir',
        str(out), '--target', 'CVC-ColonDB', '--regions'
    ])
    return src, out


@pytest.mark.slow
def test_converter_reads_colondb(colondb):
    src, out = colondb
    for name in COLONDB_TRAIN + COLONDB_TEST:
        png = cv2.imread(str(src / 'CVC-ColonDB/masks' / f'{name}.png'),
                         cv2.IMREAD_GRAYSCALE)
        mask = cv2.imread(str(out / 'target/masks' / f'{name}.png'),
                          cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(mask, (png >= 128).astype(np.uint8))
        assert (out / 'target/images' / f'{name}.jpg').read_bytes() == (
            src / 'CVC-ColonDB/images' / f'{name}.jpg').read_bytes()
    assert (out / 'target/test.txt').read_text().split() == COLONDB_TEST


def _literal_region_label(mask, top, left, h, w, margin=8,
                          min_fraction=0.01):
    """The README's rule, pixel by pixel: [0, 1], [0], or None (dropped)."""
    height, width = mask.shape
    inside = near = 0
    for y in range(max(0, top - margin), min(height, top + h + margin)):
        for x in range(max(0, left - margin), min(width, left + w + margin)):
            if mask[y, x] == 1:
                near += 1
                inside += top <= y < top + h and left <= x < left + w
    if inside >= min_fraction * h * w:
        return [0, 1]  # every region of these frames has normal pixels
    return [0] if near == 0 else None


@pytest.mark.slow
def test_converter_labels_regions_of_real_frames(colondb):
    """Each frame's 9 regions against a per-pixel loop over its mask: kept
    with the right label, or dropped; a kept region's image is the frame's
    pixels there."""
    _, out = colondb
    names = (out / 'target/train_regions.txt').read_text().split()
    assert names[:len(COLONDB_TRAIN)] == COLONDB_TRAIN
    labels = read_image_labels(
        str(out / 'target/image_labels_regions.txt'), num_classes=2)
    assert set(labels) == set(names)
    kinds = set()
    for frame in COLONDB_TRAIN:
        mask = cv2.imread(str(out / 'target/masks' / f'{frame}.png'),
                          cv2.IMREAD_UNCHANGED)
        image = cv2.imread(str(out / 'target/images' / f'{frame}.jpg'))
        height, width = mask.shape
        h, w = round(height / 2), round(width / 2)
        for index in range(9):
            row, col = divmod(index, 3)
            top = round(row * (height - h) / 2)
            left = round(col * (width - w) / 2)
            region = f'{frame}_r{index}'
            expected = _literal_region_label(mask, top, left, h, w)
            kinds.add(str(expected))
            if expected is None:
                assert region not in labels
                continue
            assert labels[region] == expected, region
            crop = cv2.imread(str(out / 'target/images' / f'{region}.jpg'))
            assert crop.shape == (h, w, 3)
            assert np.abs(crop.astype(int) -
                          image[top:top + h, left:left + w]).mean() < 3
            # no mask is written for a region: nothing of it can be read
            assert not (out / 'target/masks' / f'{region}.png').exists()
    assert kinds == {'[0]', '[0, 1]', 'None'}  # the frames show each case


@pytest.mark.slow
def test_rule_without_lesion_free_region_is_named(colondb, tmp_path):
    src, _ = colondb
    result = run_tool([
        'tools/convert_datasets/polyp.py',
        str(src), '--out-dir',
        str(tmp_path / 'out'), '--target', 'CVC-ColonDB', '--regions',
        '--region-size', '1', '--region-grid', '1'
    ], expect_ok=False)
    assert result.returncode != 0
    assert '--region-size' in result.stderr
    assert "leaves no region" in result.stderr


@pytest.mark.slow
def test_mask_of_the_wrong_size_is_named(colondb, tmp_path):
    src, _ = colondb
    copy = tmp_path / 'src'
    shutil.copytree(src, copy)
    mask_path = copy / 'CVC-ColonDB/masks/40.png'
    mask = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE)
    cv2.imwrite(str(mask_path), mask[:-10])
    result = run_tool([
        'tools/convert_datasets/polyp.py',
        str(copy), '--out-dir',
        str(tmp_path / 'out'), '--target', 'CVC-ColonDB'
    ], expect_ok=False)
    assert result.returncode != 0
    assert 'masks/40.png is 384x324' in result.stderr


def _train_weights(folder: Path, config: str) -> dict:
    work_dir = folder / 'work'
    run_tool(['tools/train.py', config, '--work-dir', str(work_dir)])
    from mmseg_srt.utils import load_checkpoint_safely
    return load_checkpoint_safely(str(work_dir / 'iter_2.pth'),
                                  map_location='cpu')['state_dict']


WEAK = '''
_base_ = [{base!r}]
root = {root!r}
target = dict(type='LesionSegDataset', data_root=root,
              data_prefix=dict(img_path='target/images'),
              ann_file='target/train_regions.txt',
              image_label_file='target/image_labels_regions.txt')
train_dataloader = dict(dataset=dict(
    source=dict(type='LesionSegDataset', data_root=root,
                ann_file='source/train.txt'),
    target=target))
val_dataloader = dict(dataset=dict(type='LesionSegDataset', data_root=root))
test_dataloader = val_dataloader
'''
ORACLE = '''
_base_ = [{base!r}]
root = {root!r}
train_dataloader = dict(dataset=dict(
    type='LesionSegDataset', data_root=root, ann_file='target/train.txt',
    data_prefix=dict(img_path='target/images', seg_map_path='target/masks')))
val_dataloader = dict(dataset=dict(type='LesionSegDataset', data_root=root))
test_dataloader = val_dataloader
'''


@pytest.mark.slow
@pytest.mark.parametrize('reads_masks', [False, True],
                         ids=['full-method', 'oracle'])
def test_no_target_training_mask_reaches_training(colondb, tmp_path,
                                                  reads_masks):
    """The full method (pseudo labels, superpixels, SRT, D, L_C on the
    region labels) trained for 2 iterations gives the same weights when
    every target training mask is replaced by noise. The oracle, which
    reads them, does not: the comparison can tell."""
    from .conftest import write_tiny_config, write_tiny_uda_config
    _, out = colondb
    weights = []
    for trial in ('real', 'noise'):
        folder = tmp_path / trial
        root = folder / 'data'
        shutil.copytree(out, root)
        if trial == 'noise':
            rng = np.random.default_rng(0)
            for name in COLONDB_TRAIN:
                path = root / 'target/masks' / f'{name}.png'
                shape = cv2.imread(str(path), cv2.IMREAD_UNCHANGED).shape
                cv2.imwrite(str(path),
                            rng.integers(0, 2, shape, dtype=np.uint8))
        if reads_masks:
            base = write_tiny_config(folder, root, max_iters=2)
            text = ORACLE
        else:
            base = write_tiny_uda_config(folder, root, max_iters=2)
            text = WEAK
        config = folder / 'config.py'
        config.write_text(text.format(base=str(base), root=str(root)))
        weights.append(_train_weights(folder, str(config)))
    same = all(
        torch.equal(weights[0][key], weights[1][key]) for key in weights[0])
    assert same != reads_masks
