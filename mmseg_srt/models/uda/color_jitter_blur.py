"""Colour jitter and Gaussian blur of the images the student trains on
(DACS' and DAFormer's strong augmentation of the mixed image; not in the
paper).

The teacher labels the clean target image; the student is trained to give
those labels on a mixed image whose colours are jittered and which is
blurred at random, so it cannot simply copy the teacher's view of the
pixels. DACS and DAFormer apply both to the mixed images: colour jitter
with probability 0.8 (brightness, contrast, saturation, hue; strength 0.25
in DACS, 0.2 in DAFormer), Gaussian blur with probability 0.5 at a sigma
drawn from [0.15, 1.15], a kernel of about a tenth of the image side.

The transform works on the segmentor's normalised inputs: it takes them
back to [0, 1] with the data preprocessor's mean and std, changes them and
normalises again. Two jitters: ``jitter='torchvision'`` (the default, the
benchmarks' recorded rows) multiplies brightness, scales the distance to
the image's mean grey for contrast, turns the YIQ chroma plane for hue (a
linear stand-in for the HSV hue shift), in a fixed order;
``jitter='kornia'`` is the kornia ``ColorJitter`` (now ``ColorJiggle``)
that DACS and DAFormer ran: brightness adds ``factor - 1``, contrast
multiplies, saturation scales HSV's S, hue shifts HSV's H by
``2 * pi * hue``, in an order drawn for each image. ``decide='batch'``
flips the two coins (jitter? blur?) once per batch, as DAFormer does;
``'image'`` (the default) flips them for each image.

Draws come from a generator seeded by the run's seed and the number of
calls so far (a buffer), so a resumed run draws what the uninterrupted one
would have.
"""
import math
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor, nn

from .class_mix import seeded_generator

# RGB -> YIQ (FCC NTSC).
_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114],
                            [0.596, -0.274, -0.322],
                            [0.211, -0.523, 0.312]],
                           dtype=torch.float64)
_GREY = torch.tensor([0.299, 0.587, 0.114],
                     dtype=torch.float64)  # ITU-R 601 luma


def color_jitter(images: Tensor, brightness: float, contrast: float,
                 saturation: float, hue: float) -> Tensor:
    """Jitter (C=3, H, W) RGB images in [0, 1], in this order: brightness
    (every channel times ``brightness``), contrast (the distance to the
    image's mean grey times ``contrast``), saturation (the distance to each
    pixel's grey times ``saturation``), hue (the YIQ chroma plane turned by
    ``2 * pi * hue``); values are clipped to [0, 1] after each. Factors of
    1, 1, 1 and hue 0 change nothing."""
    grey = _GREY.to(images)
    images = (images * brightness).clamp(0, 1)
    mean_grey = torch.einsum('c,chw->', grey, images) / images[0].numel()
    images = ((images - mean_grey) * contrast + mean_grey).clamp(0, 1)
    pixel_grey = torch.einsum('c,chw->hw', grey, images)
    images = ((images - pixel_grey) * saturation + pixel_grey).clamp(0, 1)
    if hue:
        to_yiq = _RGB_TO_YIQ
        angle = 2 * math.pi * hue
        rotation = to_yiq.new_tensor([[1, 0, 0],
                                      [0, math.cos(angle), -math.sin(angle)],
                                      [0, math.sin(angle),
                                       math.cos(angle)]])
        matrix = (torch.linalg.inv(to_yiq) @ rotation @ to_yiq).to(images)
        images = torch.einsum('dc,chw->dhw', matrix, images).clamp(0, 1)
    return images


def rgb_to_hsv(images: Tensor) -> Tensor:
    """(3, H, W) RGB in [0, 1] -> H in [0, 2 pi), S and V in [0, 1]
    (hexcone; a grey pixel has hue 0 and saturation 0)."""
    value, argmax = images.max(0)
    chroma = value - images.min(0).values
    safe = torch.where(chroma > 0, chroma, torch.ones_like(chroma))
    red, green, blue = images
    sector = torch.stack([((green - blue) / safe) % 6,
                          (blue - red) / safe + 2,
                          (red - green) / safe + 4])
    hue = sector.gather(0, argmax[None])[0] * (math.pi / 3)
    hue = torch.where(chroma > 0, hue, torch.zeros_like(hue))
    saturation = torch.where(value > 0, chroma / torch.where(
        value > 0, value, torch.ones_like(value)), torch.zeros_like(value))
    return torch.stack([hue, saturation, value])


def hsv_to_rgb(hsv: Tensor) -> Tensor:
    """The inverse of :func:`rgb_to_hsv`."""
    hue, saturation, value = hsv
    sector = hue / (math.pi / 3)
    channels = []
    for offset in (5, 3, 1):  # red, green, blue
        k = (offset + sector) % 6
        channels.append(value - value * saturation * torch.clamp(
            torch.minimum(k, 4 - k), 0, 1))
    return torch.stack(channels)


def color_jiggle(images: Tensor, brightness: float, contrast: float,
                 saturation: float, hue: float, order: Sequence[int]
                 ) -> Tensor:
    """kornia's ``ColorJitter`` (``ColorJiggle``) of (3, H, W) RGB images
    in [0, 1], the four operations in ``order`` (0 brightness, 1 contrast,
    2 saturation, 3 hue): brightness adds ``brightness - 1``, contrast
    multiplies by ``contrast``, saturation multiplies HSV's S, hue adds
    ``2 * pi * hue`` to HSV's H (modulo a turn); clipped to [0, 1] after
    each. Factors 1, 1, 1 and hue 0 change nothing."""
    for operation in order:
        if operation == 0:
            images = (images + (brightness - 1)).clamp(0, 1)
        elif operation == 1:
            images = (images * contrast).clamp(0, 1)
        else:
            h, s, v = rgb_to_hsv(images)
            if operation == 2:
                s = (s * saturation).clamp(0, 1)
            else:
                h = (h + 2 * math.pi * hue) % (2 * math.pi)
            images = hsv_to_rgb(torch.stack([h, s, v])).clamp(0, 1)
    return images


def blur_kernel_size(side: int, ratio: float) -> int:
    """The largest odd size <= ceil(ratio * side), at least 1 (DACS': about
    a tenth of the side)."""
    size = math.ceil(ratio * side)
    return max(1, size if size % 2 else size - 1)


def gaussian_blur(images: Tensor, sigma: float,
                  kernel_size: Tuple[int, int]) -> Tensor:
    """Blur (C, H, W) images with a normalised Gaussian of ``sigma`` cut to
    ``kernel_size`` (odd height, width), borders reflected."""
    channels = images.shape[0]
    out = images[None]
    for dim, size in enumerate(kernel_size):
        offsets = torch.arange(size, dtype=images.dtype,
                               device=images.device) - size // 2
        taps = torch.exp(-offsets**2 / (2 * sigma**2))
        taps = taps / taps.sum()
        shape = (1, 1, size, 1) if dim == 0 else (1, 1, 1, size)
        pad = (0, 0, size // 2, size // 2) if dim == 0 else (size // 2,
                                                              size // 2, 0, 0)
        out = F.conv2d(
            F.pad(out, pad, mode='reflect'),
            taps.view(shape).expand(channels, -1, -1, -1),
            groups=channels)
    return out[0]


@MODELS.register_module()
class ColorJitterBlur(nn.Module):
    """Colour jitter and Gaussian blur of a batch of normalised images,
    each image drawn on its own.

    ``SRTAdapter(mix_transform=dict(type='ColorJitterBlur'))`` applies it to
    the mixed batch (with ``class_mix``), taking ``mean``, ``std`` and
    ``channel_order`` from the segmentor's data preprocessor.

    Args:
        mean, std: Per-channel mean and std the inputs were normalised
            with (0-255 scale, as mmseg's ``SegDataPreProcessor``).
        channel_order: ``'rgb'`` or ``'bgr'``: the inputs' channels (RGB
            after a preprocessor with ``bgr_to_rgb=True``).
        jitter_prob: Chance that an image's colours are jittered.
        jitter_strength: s: brightness, contrast and saturation factors are
            drawn from [1 - s, 1 + s], the hue turn from [-s, s] of a full
            turn (DAFormer: 0.2; DACS: 0.25).
        blur_prob: Chance that an image is blurred.
        blur_sigma: The range sigma is drawn from.
        kernel_ratio: The blur kernel's side as a share of the image's
            (:func:`blur_kernel_size`).
        seed: Seed of the draws; None: torch's initial seed when built
            (mmengine's runner sets it from ``randomness.seed`` first).
        jitter: ``'torchvision'`` (:func:`color_jitter`) or ``'kornia'``
            (:func:`color_jiggle`, DACS' and DAFormer's).
        decide: ``'image'``: each image flips its own coins (jitter?
            blur?); ``'batch'``: one flip each for the whole batch
            (DAFormer).
    """

    def __init__(self,
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 channel_order: str = 'rgb',
                 jitter_prob: float = 0.8,
                 jitter_strength: float = 0.2,
                 blur_prob: float = 0.5,
                 blur_sigma: Tuple[float, float] = (0.15, 1.15),
                 kernel_ratio: float = 0.1,
                 seed: Optional[int] = None,
                 jitter: str = 'torchvision',
                 decide: str = 'image') -> None:
        super().__init__()
        if jitter not in ('torchvision', 'kornia'):
            raise ValueError("ColorJitterBlur jitter must be 'torchvision' "
                             f"or 'kornia', got {jitter!r}")
        if decide not in ('image', 'batch'):
            raise ValueError("ColorJitterBlur decide must be 'image' or "
                             f"'batch', got {decide!r}")
        self.jitter = jitter
        self.decide = decide
        if channel_order not in ('rgb', 'bgr'):
            raise ValueError("ColorJitterBlur channel_order must be 'rgb' or "
                             f"'bgr', got {channel_order!r}")
        for name, prob in (('jitter_prob', jitter_prob),
                           ('blur_prob', blur_prob)):
            if not 0 <= prob <= 1:
                raise ValueError(
                    f'ColorJitterBlur {name} must be in [0, 1], got {prob}')
        if not 0 <= jitter_strength < 1:
            raise ValueError('ColorJitterBlur jitter_strength must be in '
                             f'[0, 1), got {jitter_strength}')
        low, high = blur_sigma
        if not 0 < low <= high:
            raise ValueError('ColorJitterBlur blur_sigma must be (low, high) '
                             f'with 0 < low <= high, got {blur_sigma}')
        if len(mean) != 3 or len(std) != 3:
            raise ValueError('ColorJitterBlur jitters 3-channel images: mean '
                             f'and std need 3 values, got {mean} and {std}')
        self.channel_order = channel_order
        self.jitter_prob = float(jitter_prob)
        self.jitter_strength = float(jitter_strength)
        self.blur_prob = float(blur_prob)
        self.blur_sigma = (float(low), float(high))
        self.kernel_ratio = float(kernel_ratio)
        self.seed = torch.initial_seed() if seed is None else seed
        self.register_buffer(
            'mean', torch.tensor(mean, dtype=torch.float).view(3, 1, 1),
            persistent=False)
        self.register_buffer(
            'std', torch.tensor(std, dtype=torch.float).view(3, 1, 1),
            persistent=False)
        self.register_buffer('calls', torch.zeros((), dtype=torch.long))

    def draw(self, batch_size: int) -> Tensor:
        """(batch_size, 7) draws of the next call (which it counts):
        jitter?, brightness, contrast, saturation, hue, blur?, sigma; with
        ``jitter='kornia'`` 4 more columns, whose ranks are the order of the
        four operations."""
        generator = seeded_generator(self.seed, int(self.calls))
        self.calls += 1
        columns = 11 if self.jitter == 'kornia' else 7
        uniform = torch.rand(batch_size, columns, generator=generator,
                             dtype=torch.float64)
        s, (low, high) = self.jitter_strength, self.blur_sigma
        draws = uniform.clone()
        draws[:, 0] = (uniform[:, 0] < self.jitter_prob).double()
        draws[:, 1:4] = 1 - s + 2 * s * uniform[:, 1:4]
        draws[:, 4] = -s + 2 * s * uniform[:, 4]
        draws[:, 5] = (uniform[:, 5] < self.blur_prob).double()
        draws[:, 6] = low + (high - low) * uniform[:, 6]
        if self.decide == 'batch':
            draws[:, [0, 5]] = draws[:1, [0, 5]]
        return draws

    def forward(self, inputs: Tensor) -> Tensor:
        """The (B, 3, H, W) normalised inputs, each image jittered and
        blurred as drawn."""
        if inputs.dim() != 4 or inputs.shape[1] != 3:
            raise ValueError('ColorJitterBlur takes (B, 3, H, W) images, got '
                             f'{tuple(inputs.shape)}')
        draws = self.draw(len(inputs)).tolist()
        mean, std = self.mean.to(inputs), self.std.to(inputs)
        kernel = tuple(
            blur_kernel_size(side, self.kernel_ratio)
            for side in inputs.shape[2:])
        flip = [2, 1, 0] if self.channel_order == 'bgr' else [0, 1, 2]
        out = []
        for image, (jitter, bright, contrast, saturation, hue, blur, sigma,
                    *order) in zip(inputs, draws):
            if jitter:
                rgb = ((image * std + mean) / 255)[flip]
                if self.jitter == 'kornia':
                    rgb = color_jiggle(rgb, bright, contrast, saturation,
                                       hue, sorted(range(4),
                                                   key=order.__getitem__))
                else:
                    rgb = color_jitter(rgb, bright, contrast, saturation,
                                       hue)
                image = (rgb[flip] * 255 - mean) / std
            if blur:
                image = gaussian_blur(image, sigma, kernel)
            out.append(image)
        return torch.stack(out)
