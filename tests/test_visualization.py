"""mmseg_srt.visualization against hand-worked pixels."""
import numpy as np
import pytest
from PIL import Image

from mmseg_srt.visualization import (colorize, outline, overlay, palette_of,
                                     save_index_png)

PALETTE = np.array([[10, 20, 30], [200, 100, 0]], dtype=np.uint8)  # RGB


def test_colorize_and_ignore():
    labels = np.array([[0, 1], [255, -1]])
    out = colorize(labels, PALETTE)
    assert out[0, 0].tolist() == [10, 20, 30]
    assert out[0, 1].tolist() == [200, 100, 0]
    assert out[1].tolist() == [[0, 0, 0], [0, 0, 0]]


def test_overlay_blends_bgr_colours_where_asked():
    image = np.array([[[100, 100, 100], [0, 50, 250]]], dtype=np.uint8)
    labels = np.array([[1, 0]])
    # 0.6 * image + 0.4 * BGR colour, rounded: class 1 is BGR (0, 100, 200).
    out = overlay(image, labels, PALETTE, opacity=0.4)
    assert out[0, 0].tolist() == [60, 100, 140]
    # class 0, BGR (30, 20, 10): 0.6 * (0, 50, 250) + 0.4 * (30, 20, 10)
    assert out[0, 1].tolist() == [12, 38, 154]
    only = overlay(image, labels, PALETTE, 0.4,
                   where=np.array([[True, False]]))
    assert only[0, 1].tolist() == [0, 50, 250]
    ignored = overlay(image, np.array([[255, 255]]), PALETTE, 0.4)
    assert np.array_equal(ignored, image)


def test_outline_draws_the_border_only():
    image = np.zeros((9, 9, 3), dtype=np.uint8)
    mask = np.zeros((9, 9), dtype=bool)
    mask[2:7, 2:7] = True
    out = outline(image, mask, (0, 255, 0), thickness=1)
    green = (out == [0, 255, 0]).all(axis=2)
    assert green[2, 2:7].all() and green[6, 2:7].all()
    assert green[2:7, 2].all() and green[2:7, 6].all()
    assert not green[3:6, 3:6].any() and not green[0].any()
    assert not image.any()  # the input is not drawn on


def test_index_png_round_trip(tmp_path):
    labels = np.array([[0, 1, 1], [255, 0, 1]], dtype=np.uint8)
    save_index_png(str(tmp_path / 'm.png'), labels, PALETTE)
    with Image.open(tmp_path / 'm.png') as image:
        assert image.mode == 'P'
        assert np.array_equal(np.array(image), labels)
        assert image.getpalette()[:6] == [10, 20, 30, 200, 100, 0]


def test_palette_of_metainfo_and_fallback():
    meta = dict(classes=('a', 'b'), palette=[[1, 2, 3], [4, 5, 6]])
    assert palette_of(meta).tolist() == [[1, 2, 3], [4, 5, 6]]
    fallback = palette_of(dict(classes=('a', 'b', 'c')))
    assert fallback.shape == (3, 3) and fallback.dtype == np.uint8
    again = palette_of(dict(classes=('a', 'b', 'c')))
    assert np.array_equal(fallback, again)
    with pytest.raises(ValueError, match='num_classes'):
        palette_of({})
