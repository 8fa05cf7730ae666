"""FDAStyle (FDA, Yang and Soatto 2020; not in the paper) against hand-
worked spectra and on real CamVid frames from ../shared."""
import numpy as np
import pytest

from mmseg_srt.datasets import FDAStyle, fda_source_to_target

from .conftest import require_shared_camvid


def test_only_the_mean_moves_when_the_block_is_the_zero_frequency():
    # b = floor(4 * 0.1) = 0: only the zero frequency, |sum|, is replaced,
    # so each channel's mean becomes the target's and the rest stays
    rng = np.random.default_rng(0)
    source = rng.uniform(50, 150, (4, 6, 3))
    target = rng.uniform(100, 200, (4, 6, 3))
    styled = fda_source_to_target(source, target, beta=0.1)
    expected = source - source.mean((0, 1)) + target.mean((0, 1))
    np.testing.assert_allclose(styled, expected, atol=1e-9)


def test_the_whole_spectrum_gives_the_target_amplitudes():
    # b = floor(8 * 0.49) = 3 on an 8x8 image: the block is rows and
    # columns 1..7 around the centre 4 of the shifted spectrum
    rng = np.random.default_rng(1)
    source = rng.uniform(0, 255, (8, 8, 1))
    target = rng.uniform(0, 255, (8, 8, 1))
    styled = fda_source_to_target(source, target, beta=0.49)
    styled_amplitude = np.fft.fftshift(np.abs(np.fft.fft2(styled[..., 0])))
    target_amplitude = np.fft.fftshift(np.abs(np.fft.fft2(target[..., 0])))
    source_amplitude = np.fft.fftshift(np.abs(np.fft.fft2(source[..., 0])))
    np.testing.assert_allclose(styled_amplitude[1:, 1:],
                               target_amplitude[1:, 1:], rtol=1e-6)
    # outside the block (row and column 0) the source's amplitudes stay
    np.testing.assert_allclose(styled_amplitude[0], source_amplitude[0],
                               rtol=1e-6)
    # a constant image takes the constant of the target's mean
    flat = fda_source_to_target(np.full((8, 8, 1), 10.), target, beta=0.0)
    np.testing.assert_allclose(flat, np.full((8, 8, 1), target.mean()))


def test_fda_style_on_camvid_frames(tmp_path):
    """A real day frame styled by one real dusk frame: at beta 0 its
    channel means become the dusk frame's (by hand: x - mean(x) + mean(t),
    clipped); at FDA's 0.01 the means move there too (the zero frequency is
    in every block), up to clipping."""
    import mmcv
    camvid = require_shared_camvid()
    day_name = (camvid / 'splits' / 'day_train.txt').read_text().split()[0]
    dusk_name = (camvid / 'splits' / 'dusk_train.txt').read_text().split()[0]
    (tmp_path / 'style.txt').write_text(dusk_name + '\n')
    day = mmcv.imread(str(camvid / 'images' / (day_name + '.jpg')))
    dusk = mmcv.imread(str(camvid / 'images' / (dusk_name + '.jpg')))
    crop = day[:192, :256]
    dusk = mmcv.imresize(dusk, (256, 192)).astype(np.float64)
    results = FDAStyle(
        img_dir=str(camvid / 'images'),
        ann_file=str(tmp_path / 'style.txt'),
        beta=0.0)(dict(img=crop.copy()))
    expected = crop - crop.mean((0, 1)) + dusk.mean((0, 1))
    np.testing.assert_allclose(results['img'].astype(np.float64),
                               np.clip(expected, 0, 255).astype(np.uint8),
                               atol=1)
    styled = FDAStyle(
        img_dir=str(camvid / 'images'),
        ann_file=str(tmp_path / 'style.txt'))(dict(img=crop.copy()))['img']
    assert styled.shape == crop.shape and styled.dtype == np.uint8
    # the means move most of the way (clipping dark pixels at 0 keeps them
    # from moving all of it)
    before = np.abs(crop.mean((0, 1)) - dusk.mean((0, 1)))
    after = np.abs(styled.mean((0, 1)) - dusk.mean((0, 1)))
    assert (before > 20).all() and (after < 0.25 * before).all()


def test_bad_settings_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='ann_file'):
        FDAStyle(img_dir=str(tmp_path), ann_file=str(tmp_path / 'x.txt'))
    (tmp_path / 'list.txt').write_text('frame_a\n')
    with pytest.raises(FileNotFoundError, match='frame_a.jpg'):
        FDAStyle(img_dir=str(tmp_path), ann_file=str(tmp_path / 'list.txt'))
    with pytest.raises(ValueError, match='no style image'):
        FDAStyle(img_dir=str(tmp_path))
    with pytest.raises(ValueError, match='beta'):
        FDAStyle(img_dir=str(tmp_path), beta=0.7)
