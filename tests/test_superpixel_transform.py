"""SuperpixelSLIC in a real mmseg pipeline: it follows resize, flip and crop
exactly as the image does, caches per image, and packs."""
import cv2
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmseg.registry import TRANSFORMS
from skimage.segmentation import slic

import mmseg_srt  # noqa: F401  (registers SuperpixelSLIC)


def pipeline(*steps):
    return Compose([TRANSFORMS.build(step) for step in steps])


def coordinate_image(path, height=48, width=64):
    """An image whose pixels are all different, so a crop can be located."""
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    img[:, :, 0] = np.arange(width)[None] * 3
    img[:, :, 1] = np.arange(height)[:, None] * 5
    cv2.imwrite(str(path), img)
    return img


def reference_superpixels(img_bgr, n_segments):
    return slic(img_bgr[..., ::-1], n_segments=n_segments, compactness=10.,
                sigma=1., start_label=0, channel_axis=-1)


def locate(crop, image):
    """Top-left of ``crop`` inside ``image`` (exact match)."""
    h, w = crop.shape[:2]
    for y in range(image.shape[0] - h + 1):
        for x in range(image.shape[1] - w + 1):
            if np.array_equal(image[y:y + h, x:x + w], crop):
                return y, x
    raise AssertionError('crop not found')


@pytest.mark.parametrize('flip', [0.0, 1.0])
def test_follows_resize_flip_and_crop(tmp_path, flip):
    path = tmp_path / 'frame.png'
    original = coordinate_image(path)
    steps = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(96, 72), keep_ratio=True),
        dict(type='RandomFlip', prob=flip),
        dict(type='SuperpixelSLIC', n_segments=30),
    ]
    before_crop = pipeline(*steps)(dict(img_path=str(path), seg_fields=[]))
    result = pipeline(*steps, dict(type='RandomCrop', crop_size=(40, 50)))(
        dict(img_path=str(path), seg_fields=[]))
    # Reference: SLIC of the original, resized by nearest neighbour, flipped.
    expected = cv2.resize(
        reference_superpixels(original, 30).astype(np.int32), (96, 72),
        interpolation=cv2.INTER_NEAREST)
    if flip:
        expected = expected[:, ::-1]
    np.testing.assert_array_equal(before_crop['gt_superpixels'], expected)
    y, x = locate(result['img'], before_crop['img'])
    np.testing.assert_array_equal(result['gt_superpixels'],
                                  expected[y:y + 40, x:x + 50])


def test_cache_gives_the_same_map_and_is_used(tmp_path):
    path = tmp_path / 'frame.png'
    coordinate_image(path)
    cache = tmp_path / 'cache'
    steps = [
        dict(type='LoadImageFromFile'),
        dict(type='SuperpixelSLIC', n_segments=30, cache_dir=str(cache))
    ]
    first = pipeline(*steps)(dict(img_path=str(path), seg_fields=[]))
    files = list(cache.iterdir())
    assert len(files) == 1
    # A cached map is read back, not recomputed: poison it and see it.
    poisoned = np.load(files[0])
    poisoned[0, 0] = 999
    np.save(files[0], poisoned)
    second = pipeline(*steps)(dict(img_path=str(path), seg_fields=[]))
    assert second['gt_superpixels'][0, 0] == 999
    np.testing.assert_array_equal(second['gt_superpixels'][1:],
                                  first['gt_superpixels'][1:])


def test_packed_and_flip_after_slic_is_an_error(tmp_path):
    path = tmp_path / 'frame.png'
    coordinate_image(path)
    packed = pipeline(
        dict(type='LoadImageFromFile'),
        dict(type='SuperpixelSLIC', n_segments=30),
        dict(type='PackSRTInputs'))(dict(img_path=str(path), seg_fields=[]))
    superpixels = packed['data_samples'].gt_superpixels.data
    assert tuple(superpixels.shape) == (1, 48, 64)
    with pytest.raises(ValueError, match='after RandomFlip'):
        pipeline(
            dict(type='LoadImageFromFile'),
            dict(type='SuperpixelSLIC', n_segments=30),
            dict(type='RandomFlip', prob=1.0),
            dict(type='PackSRTInputs'))(dict(img_path=str(path),
                                             seg_fields=[]))


def test_after_a_crop_is_an_error(tmp_path):
    path = tmp_path / 'frame.png'
    coordinate_image(path)
    with pytest.raises(ValueError, match='before RandomCrop'):
        pipeline(
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=(96, 72), keep_ratio=True),
            dict(type='RandomCrop', crop_size=(40, 50)),
            dict(type='SuperpixelSLIC', n_segments=30))(
                dict(img_path=str(path), seg_fields=[]))
