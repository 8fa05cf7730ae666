"""Rare-class sampling of source images (DAFormer; not in the paper):
pixel counts of hand-made label maps, the class distribution by hand, the
images drawn against their expected shares, and its use as the source
stream of SourceTargetInfiniteSampler."""
from itertools import islice

import numpy as np
import pytest
from mmcv import imwrite
from mmseg.datasets import BaseSegDataset

from mmseg_srt.datasets import (RareClassSampler, SourceTargetDataset,
                                SourceTargetInfiniteSampler,
                                class_pixel_counts, rare_class_probabilities)

# 4x4 label maps; 255 is void. Image 0: 10 a, 6 b; image 1: 14 a, 2 c;
# image 2: 16 a.
MAPS = [
    np.array([[0] * 4, [0] * 4, [0, 0, 1, 1], [1, 1, 1, 1]]),
    np.array([[0] * 4, [0] * 4, [0] * 4, [0, 0, 2, 2]]),
    np.zeros((4, 4), dtype=int),
]


@pytest.fixture
def dataset(tmp_path):
    for i, labels in enumerate(MAPS):
        imwrite(np.zeros((4, 4, 3), np.uint8), str(tmp_path / f'img/{i}.jpg'))
        imwrite(labels.astype(np.uint8), str(tmp_path / f'ann/{i}.png'))
    return BaseSegDataset(
        data_root=str(tmp_path),
        data_prefix=dict(img_path='img', seg_map_path='ann'),
        img_suffix='.jpg',
        seg_map_suffix='.png',
        metainfo=dict(classes=('a', 'b', 'c')),
        pipeline=[])


def test_counts_and_class_probabilities_by_hand(dataset):
    counts = class_pixel_counts(dataset)
    assert counts.tolist() == [[10, 6, 0], [14, 0, 2], [16, 0, 0]]
    # f = (40, 6, 2) / 48; P(c) proportional to exp((1 - f_c) / T)
    p = rare_class_probabilities(counts, temperature=0.1)
    f = np.array([40, 6, 2]) / 48
    expected = np.exp((1 - f) / 0.1) / np.exp((1 - f) / 0.1).sum()
    np.testing.assert_allclose(p, expected)
    assert p[2] > p[1] > p[0]
    # a class without pixels is never drawn
    assert rare_class_probabilities(np.array([[5, 0]]), 0.01)[1] == 0


def test_images_are_drawn_at_their_expected_shares(dataset):
    sampler = RareClassSampler(dataset, temperature=0.5, min_pixels=2,
                               seed=0)
    # by hand: a is in images 0, 1, 2; b in 0; c in 1 (2 pixels)
    f = np.array([40, 6, 2]) / 48
    p = np.exp((1 - f) / 0.5) / np.exp((1 - f) / 0.5).sum()
    expected = np.array([p[0] / 3 + p[1], p[0] / 3 + p[2], p[0] / 3])
    draws = np.bincount(list(islice(iter(sampler), 20000)), minlength=3)
    np.testing.assert_allclose(draws / 20000, expected, atol=0.015)
    # min_pixels 3: c (2 pixels in image 1) can no longer be drawn
    sampler = RareClassSampler(dataset, temperature=0.5, min_pixels=3,
                               seed=0)
    assert sampler.class_probabilities[2] == 0
    # the same seed, the same stream (resume replays it)
    assert list(islice(iter(sampler), 50)) == list(islice(iter(sampler), 50))
    with pytest.raises(ValueError, match='min_pixels=100'):
        RareClassSampler(dataset, min_pixels=100)


def test_source_stream_of_the_pair_sampler(dataset):
    pair = object.__new__(SourceTargetDataset)
    pair.source, pair.target = dataset, range(5)
    sampler = SourceTargetInfiniteSampler(
        pair, seed=3,
        source_sampler=dict(type='RareClassSampler', temperature=0.5,
                            min_pixels=2))
    pairs = list(islice(iter(sampler), 30))
    alone = RareClassSampler(dataset, temperature=0.5, min_pixels=2, seed=3)
    assert [s for s, _ in pairs] == list(islice(iter(alone), 30))
    plain = SourceTargetInfiniteSampler(pair, seed=3)
    assert [t for _, t in pairs] == [t for _, t in islice(iter(plain), 30)]


def _corner_dataset(tmp_path):
    """One 16x16 frame of class a with b in its 4x4 bottom-right corner,
    randomly cropped to 6x6: a crop holds more than 4 pixels of b in 8 of
    its 121 positions."""
    labels = np.zeros((16, 16), np.uint8)
    labels[12:, 12:] = 1
    imwrite(np.zeros((16, 16, 3), np.uint8), str(tmp_path / 'img/0.jpg'))
    imwrite(labels, str(tmp_path / 'ann/0.png'))
    return BaseSegDataset(
        data_root=str(tmp_path),
        data_prefix=dict(img_path='img', seg_map_path='ann'),
        img_suffix='.jpg',
        seg_map_suffix='.png',
        metainfo=dict(classes=('a', 'b')),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='RandomCrop', crop_size=(6, 6)),
            dict(type='PackSegInputs')
        ])


def _pixels_of_b(sample) -> int:
    return int((sample['data_samples'].gt_sem_seg.data == 1).sum())


def test_recrop_until_the_crop_shows_the_class(tmp_path):
    """DAFormer's re-crop (its get_rare_class_sample, written out below):
    draw, then up to 10 times, while the crop holds min_pixels or fewer of
    the class, draw again. Same seed, same crops; and it pays: far more of
    the crops show b than single crops do."""
    from mmseg_srt.datasets.rare_class_sampling import ClassCrop
    source = _corner_dataset(tmp_path)
    pair = SourceTargetDataset(source=source, target=source)
    crop = ClassCrop(index=0, class_index=1, min_pixels=4, tries=10)
    np.random.seed(0)
    ours = [_pixels_of_b(pair.crop_showing_class(crop)) for _ in range(40)]
    np.random.seed(0)
    literal = []
    for _ in range(40):
        sample = source[0]
        for _ in range(10):
            if _pixels_of_b(sample) > 4:
                break
            sample = source[0]
        literal.append(_pixels_of_b(sample))
    assert ours == literal
    np.random.seed(0)
    single = [_pixels_of_b(source[0]) for _ in range(40)]
    assert sum(n > 4 for n in ours) >= 3 * max(1, sum(n > 4 for n in single))
    # through the sampler pair as the dataloader reads it
    assert set(pair[(crop, 0)]) == {'source', 'target'}


def test_min_crop_ratio_yields_class_crops_for_the_pair_only(dataset):
    from mmseg_srt.datasets.rare_class_sampling import ClassCrop
    sampler = RareClassSampler(dataset, temperature=0.5, min_pixels=2,
                               seed=3, min_crop_ratio=0.5)
    draws = list(islice(sampler.source_indices(), 50))
    assert all(isinstance(d, ClassCrop) for d in draws)
    assert {(d.min_pixels, d.tries) for d in draws} == {(1.0, 10)}
    # the same images as without the re-crop, in the same order
    plain = RareClassSampler(dataset, temperature=0.5, min_pixels=2, seed=3)
    assert [d.index for d in draws] == list(islice(iter(plain), 50))
    # each draw's image holds at least min_pixels of its class
    counts = class_pixel_counts(dataset)
    assert all(counts[d.index, d.class_index] >= 2 for d in draws)
    with pytest.raises(ValueError, match='SourceTargetInfiniteSampler'):
        iter(sampler)
    pair = SourceTargetDataset(source=dataset, target=dataset)
    stream = SourceTargetInfiniteSampler(
        pair, seed=3, source_sampler=dict(
            type='RareClassSampler', temperature=0.5, min_pixels=2,
            min_crop_ratio=0.5))
    assert [s for s, _ in islice(iter(stream), 50)] == draws
