"""ColorJitterBlur (DACS' and DAFormer's strong augmentation of the mixed
image; not in the paper) against hand-worked pixels, Python's colorsys and
a Gaussian written out, and SRTAdapter's mixed step with it against the
literal loss."""
import colorsys
import copy
import math

import pytest
import torch
from mmseg.registry import MODELS

from mmseg_srt.models import ColorJitterBlur
from mmseg_srt.models.uda.color_jitter_blur import (blur_kernel_size,
                                                    color_jitter,
                                                    gaussian_blur)

from .test_class_mix import _step_against_literal, build_mix_adapter
from .test_srt_adapter import batch, build_adapter

MEAN, STD = (123.675, 116.28, 103.53), (58.395, 57.12, 57.375)


def _image(*pixels):
    """(3, 1, n) RGB image of n pixels."""
    return torch.tensor(pixels, dtype=torch.float64).T[:, None, :]


def test_brightness_contrast_saturation_by_hand():
    image = _image((0.2, 0.4, 0.8), (0.6, 0.6, 0.6))
    # brightness 1.5: every channel times 1.5, 1.2 clipped to 1
    out = color_jitter(image, 1.5, 1, 1, 0)
    torch.testing.assert_close(out, _image((0.3, 0.6, 1.0), (0.9, .9, .9)))
    # contrast 0.5: halfway to the image's mean grey; grey of (0.2, 0.4,
    # 0.8) = 0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.8 = 0.3858, of the grey
    # pixel 0.6, mean 0.4929
    out = color_jitter(image, 1, 0.5, 1, 0)
    mean = (0.3858 + 0.6) / 2
    expected = _image(*[[(v - mean) * 0.5 + mean for v in pixel]
                        for pixel in ((0.2, 0.4, 0.8), (0.6, 0.6, 0.6))])
    torch.testing.assert_close(out, expected)
    # saturation 0: each pixel its grey; 2: twice as far from it
    torch.testing.assert_close(
        color_jitter(image, 1, 1, 0, 0), _image((.3858, ) * 3, (.6, ) * 3))
    torch.testing.assert_close(
        color_jitter(image, 1, 1, 2, 0),
        _image((0.0142, 0.4142, 1.0), (0.6, 0.6, 0.6)))  # 1.2142 clipped


@pytest.mark.parametrize('hue', [0.05, -0.1, 0.2])
def test_hue_turns_the_yiq_chroma_and_keeps_luma(hue):
    pixel = (0.45, 0.5, 0.4)  # a muted colour: the turn stays in [0, 1]
    out = color_jitter(_image(pixel), 1, 1, 1, hue)[:, 0, 0].tolist()
    y, i, q = colorsys.rgb_to_yiq(*pixel)
    y2, i2, q2 = colorsys.rgb_to_yiq(*out)
    # colorsys' coefficients are rounded to two digits
    assert y2 == pytest.approx(y, abs=2e-3)
    assert math.hypot(i2, q2) == pytest.approx(math.hypot(i, q), rel=0.05)
    turn = math.atan2(q2, i2) - math.atan2(q, i)
    turn = (turn + math.pi) % (2 * math.pi) - math.pi
    assert turn == pytest.approx(2 * math.pi * hue, abs=0.03)
    grey = _image((0.3, 0.3, 0.3))
    torch.testing.assert_close(color_jitter(grey, 1, 1, 1, hue), grey)


def test_blur_of_a_point_is_the_gaussian_and_a_flat_image_stays():
    image = torch.zeros(3, 9, 11, dtype=torch.float64)
    image[:, 4, 5] = 1
    sigma = 0.8
    out = gaussian_blur(image, sigma, (5, 7))
    g = lambda t, n: math.exp(-t * t / (2 * sigma**2)) / sum(  # noqa: E731
        math.exp(-k * k / (2 * sigma**2)) for k in range(-n, n + 1))
    for row in range(9):
        for col in range(11):
            dy, dx = row - 4, col - 5
            expected = (g(dy, 2) * g(dx, 3)
                        if abs(dy) <= 2 and abs(dx) <= 3 else 0.0)
            assert float(out[1, row, col]) == pytest.approx(expected,
                                                            abs=1e-12)
    flat = torch.full((3, 6, 6), 0.7, dtype=torch.float64)
    torch.testing.assert_close(gaussian_blur(flat, 1.1, (5, 5)), flat)


def test_kernel_is_the_largest_odd_size_within_a_tenth():
    # DACS: 192 -> ceil(19.2) = 20 -> 19; 256 -> 26 -> 25; 90 -> 9
    assert [blur_kernel_size(s, 0.1) for s in (192, 256, 90, 4)] == [
        19, 25, 9, 1]


def test_normalised_inputs_go_back_to_pixels_and_return():
    """Brightness 0.5 and saturation 0 on normalised inputs: every channel
    becomes the pixel's grey halved (0.299 R + 0.587 G + 0.114 B), normalised
    again with the same mean and std; BGR inputs give the same greys (their
    channels read in their own order)."""
    pixels = torch.tensor([[[[10., 200.]], [[20., 100.]], [[30., 50.]]]])
    grey = torch.tensor([18.15, 124.2]) / 2  # by hand
    mean, std = torch.tensor(MEAN).view(3, 1, 1), torch.tensor(STD).view(
        3, 1, 1)
    for order, flip in (('rgb', [0, 1, 2]), ('bgr', [2, 1, 0])):
        transform = ColorJitterBlur(
            mean=[MEAN[c] for c in flip], std=[STD[c] for c in flip],
            channel_order=order, jitter_prob=1, blur_prob=0)
        # a hand-picked draw: jitter, brightness 0.5, saturation 0, no blur
        transform.draw = lambda n: torch.tensor([[1, .5, 1, 0, 0, 0, 1.]] * n)
        inputs = (pixels[:, flip] - mean[flip]) / std[flip]
        out = transform(inputs) * std[flip] + mean[flip]
        torch.testing.assert_close(
            out, grey.view(1, 1, 1, 2).expand(1, 3, 1, 2), atol=1e-3, rtol=0)


def test_draws_follow_the_probabilities_and_resume():
    transform = ColorJitterBlur(jitter_prob=0.8, blur_prob=0.5, seed=3)
    draws = torch.cat([transform.draw(50) for _ in range(20)])
    assert float(draws[:, 0].mean()) == pytest.approx(0.8, abs=0.04)
    assert float(draws[:, 5].mean()) == pytest.approx(0.5, abs=0.04)
    assert float(draws[:, 1:4].min()) >= 0.8
    assert float(draws[:, 1:4].max()) <= 1.2
    assert float(draws[:, 4].abs().max()) <= 0.2
    assert 0.15 <= float(draws[:, 6].min()) <= float(draws[:, 6].max()) <= 1.15
    # a module given the first one's state draws what it would draw next
    twin = ColorJitterBlur(jitter_prob=0.8, blur_prob=0.5, seed=3)
    twin.load_state_dict(transform.state_dict())
    torch.testing.assert_close(twin.draw(4), transform.draw(4))
    # probabilities 0: nothing changes
    inputs = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(
        ColorJitterBlur(jitter_prob=0, blur_prob=0)(inputs), inputs)


def test_bad_arguments_are_named():
    for kwargs, key in ((dict(jitter_prob=1.5), 'jitter_prob'),
                        (dict(blur_prob=-1), 'blur_prob'),
                        (dict(jitter_strength=1), 'jitter_strength'),
                        (dict(blur_sigma=(0, 1)), 'blur_sigma'),
                        (dict(channel_order='rbg'), 'channel_order'),
                        (dict(mean=(1, 2)), 'mean')):
        with pytest.raises(ValueError, match=key):
            ColorJitterBlur(**kwargs)
    with pytest.raises(ValueError, match=r'\(B, 3, H, W\)'):
        ColorJitterBlur()(torch.zeros(1, 1, 4, 4))


def test_builds_alone_from_a_config():
    transform = MODELS.build(dict(type='ColorJitterBlur', blur_prob=1,
                                  jitter_prob=0, seed=1))
    flat = torch.full((2, 3, 20, 20), 0.3)
    torch.testing.assert_close(transform(flat), flat)  # blurred flat image


def test_adapter_trains_on_the_jittered_mixed_batch():
    """SRTAdapter(mix_transform=...) with every source pixel pasted: the
    step's mixed loss is that of the source images transformed by a twin
    ColorJitterBlur (same seed; the adapter fills in the preprocessor's
    mean, std and channel order), labelled with the source labels."""
    transform = dict(type='ColorJitterBlur', jitter_prob=1, blur_prob=1,
                     jitter_strength=0.5, seed=4)
    adapter = build_mix_adapter(mix_transform=transform)
    # the tiny segmentor's preprocessor: mean 0, std 255, no bgr_to_rgb
    # (channels as loaded: BGR)
    assert adapter.mix_transform.channel_order == 'bgr'
    assert adapter.mix_transform.std.flatten().tolist() == [255.] * 3
    assert adapter.mix_transform.mean.flatten().tolist() == [0.] * 3
    data = dict(
        source=batch(1, image_labels=[0, 1]),
        target=batch(2, pixel_labels=False, image_labels=[1, 2]))
    for sample in data['source']['data_samples']:
        sample.gt_sem_seg.data.fill_(1)
    initial = copy.deepcopy(adapter.segmentor)
    source = initial.data_preprocessor(copy.deepcopy(data['source']), True)
    twin = ColorJitterBlur(
        mean=[0.] * 3, std=[255.] * 3, channel_order='bgr', jitter_prob=1,
        blur_prob=1, jitter_strength=0.5, seed=4)
    with torch.no_grad():
        inputs = twin(source['inputs'].clone())
    assert not torch.allclose(inputs, source['inputs'])
    labels = torch.ones(2, *inputs.shape[2:], dtype=torch.long)
    expected, log = _step_against_literal(adapter, data, initial, source,
                                          inputs, labels,
                                          torch.ones(labels.shape))
    assert float(log['mix.decode.loss_ce']) == pytest.approx(
        float(expected), rel=1e-4)
    assert int(adapter.mix_transform.calls) == 1


def test_mix_transform_needs_class_mix():
    with pytest.raises(ValueError, match='needs class_mix'):
        build_adapter(
            pseudo_labeler=dict(type='ConfidencePseudoLabeler'),
            teacher_momentum=0.1,
            mix_transform=dict(type='ColorJitterBlur'))


def test_hsv_round_trip_against_colorsys():
    from mmseg_srt.models.uda.color_jitter_blur import hsv_to_rgb, rgb_to_hsv
    pixels = [(0.2, 0.4, 0.8), (0.9, 0.1, 0.3), (0.5, 0.5, 0.5),
              (0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.3, 0.9, 0.2)]
    hsv = rgb_to_hsv(_image(*pixels))
    for i, pixel in enumerate(pixels):
        h, s, v = colorsys.rgb_to_hsv(*pixel)
        torch.testing.assert_close(
            hsv[:, 0, i],
            torch.tensor([2 * math.pi * h, s, v], dtype=torch.float64))
    torch.testing.assert_close(hsv_to_rgb(hsv), _image(*pixels))


def test_kornia_jiggle_by_hand():
    """kornia's ColorJitter as DACS and DAFormer ran it: brightness adds,
    contrast multiplies, saturation and hue act in HSV, in the drawn
    order."""
    from mmseg_srt.models.uda.color_jitter_blur import color_jiggle
    image = _image((0.5, 0.5, 0.5), (0.2, 0.4, 0.8))
    keep = (1, 1, 1, 0)
    # brightness 1.2: + 0.2
    out = color_jiggle(image, 1.2, *keep[1:], order=[0, 1, 2, 3])
    torch.testing.assert_close(out, _image((0.7, 0.7, 0.7), (0.4, 0.6, 1.0)))
    # brightness then contrast 0.5, and the other way round
    torch.testing.assert_close(
        color_jiggle(image, 1.2, 0.5, 1, 0, order=[0, 1, 2, 3])[:, 0, 0],
        torch.full((3, ), 0.35, dtype=torch.float64))
    torch.testing.assert_close(
        color_jiggle(image, 1.2, 0.5, 1, 0, order=[1, 0, 2, 3])[:, 0, 0],
        torch.full((3, ), 0.45, dtype=torch.float64))
    # saturation 0: every channel the pixel's max (HSV's V), not its luma
    torch.testing.assert_close(
        color_jiggle(image, 1, 1, 0, 0, order=[2, 0, 1, 3])[:, 0, 1],
        torch.full((3, ), 0.8, dtype=torch.float64))
    # hue a third of a turn: red -> green, green -> blue
    torch.testing.assert_close(
        color_jiggle(_image((1., 0., 0.), (0., 1., 0.)), 1, 1, 1, 1 / 3,
                     order=[3, 2, 1, 0]),
        _image((0., 1., 0.), (0., 0., 1.)))


def test_batch_decisions_are_one_flip_for_all():
    torch.manual_seed(0)
    inputs = torch.randn(6, 3, 8, 8)
    per_batch = ColorJitterBlur(seed=3, decide='batch', jitter='kornia',
                                jitter_prob=0.5, blur_prob=0.5)
    for _ in range(8):
        draws = per_batch.draw(6)
        assert len(set(draws[:, 0].tolist())) == 1
        assert len(set(draws[:, 5].tolist())) == 1
        assert draws.shape == (6, 11)
    out = per_batch(inputs)
    assert out.shape == inputs.shape and torch.isfinite(out).all()
    with pytest.raises(ValueError, match="decide must be"):
        ColorJitterBlur(decide='pixel')
    with pytest.raises(ValueError, match="jitter must be"):
        ColorJitterBlur(jitter='pil')
