"""Weakly-labelled datasets, their transforms, and the polyp converter, on
real Kvasir-SEG / CVC-ClinicDB files from ../shared/data/polyp."""
import importlib.util
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmseg_srt.datasets import (ImageLabelsFromSegMap, LesionSegDataset,
                                WeakSegDataset, check_same_classes,
                                read_image_labels)

from .conftest import REPO, require_shared_polyp

CVC_TRAIN, CVC_TEST = ['1', '2', '3'], ['429', '430']


def _kvasir_names():
    polyp = require_shared_polyp()
    return (polyp / 'Kvasir-SEG/source_train.txt').read_text().split()[:3]


def _load_converter():
    spec = importlib.util.spec_from_file_location(
        'polyp_converter', REPO / 'tools/convert_datasets/polyp.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mini_polyp(root: Path) -> Path:
    """A few real frames in the shared layout, with its split files."""
    polyp = require_shared_polyp()
    kvasir = _kvasir_names()
    for folder, names, splits in (
        ('Kvasir-SEG', kvasir, {
            'source_train.txt': kvasir[:2],
            'source_val.txt': kvasir[2:]
        }),
        ('CVC-ClinicDB', CVC_TRAIN + CVC_TEST, {
            'target_train.txt': CVC_TRAIN,
            'target_test.txt': CVC_TEST
        }),
    ):
        for sub in ('images', 'masks'):
            (root / folder / sub).mkdir(parents=True)
            for name in names:
                shutil.copy(polyp / folder / sub / f'{name}.jpg',
                            root / folder / sub / f'{name}.jpg')
        for split_file, split_names in splits.items():
            (root / folder / split_file).write_text('\n'.join(split_names))
    return root


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('polyp')
    src = _mini_polyp(tmp / 'src')
    out = tmp / 'out'
    _load_converter().convert(str(src), str(out))
    return src, out


def test_converter_thresholds_masks_and_copies_images(converted):
    src, out = converted
    kvasir = _kvasir_names()
    for folder, domain, name in (('Kvasir-SEG', 'source', kvasir[0]),
                                 ('CVC-ClinicDB', 'target', '429')):
        jpeg_mask = cv2.imread(
            str(src / folder / 'masks' / f'{name}.jpg'), cv2.IMREAD_GRAYSCALE)
        mask = cv2.imread(
            str(out / domain / 'masks' / f'{name}.png'), cv2.IMREAD_UNCHANGED)
        expected = np.zeros_like(jpeg_mask)
        for y, x in zip(*np.nonzero(jpeg_mask >= 128)):
            expected[y, x] = 1
        np.testing.assert_array_equal(mask, expected)
        assert (out / domain / 'images' / f'{name}.jpg').read_bytes() == (
            src / folder / 'images' / f'{name}.jpg').read_bytes()
    assert (out / 'source/train.txt').read_text().split() == kvasir[:2]
    assert (out / 'target/test.txt').read_text().split() == CVC_TEST
    target_labels = read_image_labels(
        str(out / 'target/image_labels.txt'), num_classes=2)
    assert sorted(target_labels) == sorted(CVC_TRAIN)  # training split only
    assert all(labels == [0, 1] for labels in target_labels.values())


def test_converter_names_the_missing_half_of_a_pair(tmp_path):
    src = _mini_polyp(tmp_path / 'src')
    (src / 'CVC-ClinicDB/masks/2.jpg').unlink()
    with pytest.raises(FileNotFoundError, match=r'masks/2\.jpg'):
        _load_converter().convert(str(src), str(tmp_path / 'out'))
    with pytest.raises(FileNotFoundError, match='Kvasir-SEG'):
        _load_converter().convert(str(tmp_path), str(tmp_path / 'out2'))


def _target(root, **kwargs):
    args = dict(
        data_root=str(root),
        data_prefix=dict(img_path='target/images'),
        ann_file='target/train.txt',
        with_seg_map=False,
        image_label_file='target/image_labels.txt',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='PackSRTInputs')
        ])
    args.update(kwargs)
    return LesionSegDataset(**args)


def _source(root, **kwargs):
    args = dict(
        data_root=str(root),
        data_prefix=dict(
            img_path='source/images', seg_map_path='source/masks'),
        ann_file='source/train.txt',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='ImageLabelsFromSegMap'),
            dict(type='PackSRTInputs')
        ])
    args.update(kwargs)
    return LesionSegDataset(**args)


def test_target_items_carry_image_labels_and_no_mask(converted):
    _, out = converted
    dataset = _target(out)
    assert len(dataset) == 3
    sample = dataset[0]['data_samples']
    assert 'gt_sem_seg' not in sample
    torch.testing.assert_close(sample.gt_image_labels, torch.tensor([1., 1.]))


def test_source_image_labels_come_from_the_mask(converted):
    _, out = converted
    sample = _source(out)[0]['data_samples']
    present = sorted(torch.unique(sample.gt_sem_seg.data).tolist())
    expected = torch.zeros(2)
    expected[present] = 1.
    torch.testing.assert_close(sample.gt_image_labels, expected)


def test_image_labels_from_a_hand_made_map():
    seg = np.array([[0, 0, 255], [2, 2, 255]], dtype=np.uint8)
    result = ImageLabelsFromSegMap()(dict(gt_seg_map=seg))
    assert result['gt_image_labels'] == [0, 2]
    result = ImageLabelsFromSegMap(min_pixels=3)(dict(gt_seg_map=seg))
    assert result['gt_image_labels'] == []


def _copy(converted, tmp_path):
    _, out = converted
    copy = tmp_path / 'data'
    shutil.copytree(out, copy)
    return copy


def test_missing_image_is_named(converted, tmp_path):
    root = _copy(converted, tmp_path)
    (root / 'target/images/2.jpg').unlink()
    with pytest.raises(FileNotFoundError, match=r'target/images/2\.jpg'):
        _target(root)


def test_unreadable_image_is_named(converted, tmp_path):
    root = _copy(converted, tmp_path)
    (root / 'target/images/2.jpg').write_bytes(b'not a jpeg')
    dataset = _target(root)
    with pytest.raises(Exception, match=r'target/images/2\.jpg'):
        dataset[1]


def test_mask_with_foreign_values_is_named(converted, tmp_path):
    root = _copy(converted, tmp_path)
    name = _kvasir_names()[1]
    mask_path = root / 'source/masks' / f'{name}.png'
    mask = cv2.imread(str(mask_path), cv2.IMREAD_UNCHANGED)
    mask[mask == 1] = 255  # an ignore value is fine...
    mask[0, 0] = 128  # ...a JPEG-ish grey is not
    cv2.imwrite(str(mask_path), mask)
    dataset = _source(root)
    dataset[0]
    with pytest.raises(ValueError, match=rf'{name}\.png.*128'):
        dataset[1]


def test_target_item_without_image_label_is_named(converted, tmp_path):
    root = _copy(converted, tmp_path)
    labels = root / 'target/image_labels.txt'
    lines = labels.read_text().split('\n')
    labels.write_text('\n'.join(line for line in lines
                                if not line.startswith('3 ')))
    with pytest.raises(ValueError, match=r"'3'.*image_labels\.txt"):
        _target(root)
    labels.write_text('\n'.join(lines).replace('2 0 1', '2'))
    with pytest.raises(ValueError, match=r"image_labels\.txt, line 2.*'2'"):
        _target(root)
    labels.write_text('\n'.join(lines).replace('2 0 1', '2 0 5'))
    with pytest.raises(ValueError, match='outside 0..1'):
        _target(root)


def test_weak_split_requires_an_image_label_file(converted):
    _, out = converted
    with pytest.raises(ValueError, match='image_label_file'):
        _target(out, image_label_file=None)


def test_class_lists_must_match(converted):
    _, out = converted
    source = _source(out)
    target = WeakSegDataset(
        data_root=str(out),
        metainfo=dict(classes=('background', 'polyp')),
        data_prefix=dict(img_path='target/images'),
        img_suffix='.jpg',
        ann_file='target/train.txt',
        with_seg_map=False,
        image_label_file='target/image_labels.txt')
    check_same_classes(source.metainfo, _target(out).metainfo)
    with pytest.raises(ValueError, match="'polyp'"):
        check_same_classes(source.metainfo, target.metainfo)


def test_ignore_pseudo_label_rows_follows_the_crop_and_is_packed():
    """A 20x8 frame whose pixel values are their row numbers; top 0.1 (2
    rows) and bottom 0.25 (5 rows) ignored: after a random 10x8 crop the
    packed map is 0 exactly where the image's row number is below 2 or
    from 15 on."""
    import numpy as np
    from mmcv.transforms import Compose

    import mmseg_srt  # noqa: F401
    with pytest.raises(ValueError, match='top and bottom'):
        mmseg_srt.datasets.IgnorePseudoLabelRows(top=0.5, bottom=0.5)
    rows = np.repeat(np.arange(20, dtype=np.uint8)[:, None], 8, axis=1)
    pipeline = Compose([
        dict(type='IgnorePseudoLabelRows', top=0.1, bottom=0.25),
        dict(type='RandomCrop', crop_size=(10, 8)),
        dict(type='PackSRTInputs')
    ])
    for seed in range(5):
        np.random.seed(seed)
        packed = pipeline(
            dict(img=np.stack([rows] * 3, axis=-1), seg_fields=[]))
        seen_rows = packed['inputs'][0].numpy()
        weight = packed['data_samples'].gt_pseudo_label_weight.data[0]
        expected = ((seen_rows >= 2) & (seen_rows < 15)).astype(np.float32)
        np.testing.assert_array_equal(weight.numpy(), expected)
