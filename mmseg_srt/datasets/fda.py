"""Fourier domain adaptation (FDA, Yang and Soatto, CVPR 2020; not in the
paper): a source image styled as the target domain.

The lowest frequencies of an image's amplitude spectrum carry its global
light and colour; its phase carries the scene. FDA replaces the source
image's amplitudes in a (2b+1) x (2b+1) block around the zero frequency,
b = floor(beta * min(H, W)), by those of a target image and keeps the
source's phase, so a day frame takes a dusk frame's light while its pixel
labels stay true. It is a data transform: no network cost.
"""
import os.path as osp
from typing import List, Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmengine.utils import scandir
from mmseg.registry import TRANSFORMS


def fda_source_to_target(source: np.ndarray, target: np.ndarray,
                         beta: float) -> np.ndarray:
    """``source`` (H, W, C) with the low-frequency amplitudes of ``target``
    (the same shape), as float64, not clipped."""
    if source.shape != target.shape:
        raise ValueError(f'FDA needs images of one shape, got {source.shape} '
                         f'and {target.shape}')
    height, width = source.shape[:2]
    b = int(np.floor(min(height, width) * beta))
    spectrum = np.fft.fftshift(
        np.fft.fft2(source.astype(np.float64), axes=(0, 1)), axes=(0, 1))
    target_amplitude = np.abs(
        np.fft.fftshift(
            np.fft.fft2(target.astype(np.float64), axes=(0, 1)),
            axes=(0, 1)))
    centre_h, centre_w = height // 2, width // 2
    rows = slice(centre_h - b, centre_h + b + 1)
    cols = slice(centre_w - b, centre_w + b + 1)
    amplitude = np.abs(spectrum)
    amplitude[rows, cols] = target_amplitude[rows, cols]
    spectrum = amplitude * np.exp(1j * np.angle(spectrum))
    return np.real(
        np.fft.ifft2(np.fft.ifftshift(spectrum, axes=(0, 1)), axes=(0, 1)))


@TRANSFORMS.register_module()
class FDAStyle(BaseTransform):
    """Give the image the low-frequency amplitudes of a random image of
    another domain (:func:`fda_source_to_target`), resized to its size.

    Place it after the crop (the spectrum is the crop's) and before colour
    augmentation. The style images are read from disk, BGR as mmcv loads
    the image.

    Required Keys:

    - img

    Modified Keys:

    - img

    Args:
        img_dir: Folder of the style images (e.g. the target's training
            images; never its test images).
        ann_file: File of image names without suffix, one per line (as an
            mmseg ``ann_file``); None: every ``img_suffix`` file in
            ``img_dir``.
        img_suffix: Suffix of the style images.
        beta: The replaced block's half width as a share of the shorter
            side (FDA: 0.01 to 0.09).
        prob: Probability of styling an image.
    """

    def __init__(self,
                 img_dir: str,
                 ann_file: Optional[str] = None,
                 img_suffix: str = '.jpg',
                 beta: float = 0.01,
                 prob: float = 1.0) -> None:
        if not 0.0 <= beta < 0.5:
            raise ValueError(f'FDAStyle: beta must be in [0, 0.5), got {beta}')
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'FDAStyle: prob must be in [0, 1], got {prob}')
        self.img_dir = img_dir
        self.ann_file = ann_file
        self.img_suffix = img_suffix
        self.beta = beta
        self.prob = prob
        self.style_paths = self._style_paths()

    def _style_paths(self) -> List[str]:
        if self.ann_file is not None:
            if not osp.isfile(self.ann_file):
                raise FileNotFoundError(
                    f'FDAStyle: ann_file {self.ann_file} does not exist')
            with open(self.ann_file) as f:
                names = [line.strip() for line in f if line.strip()]
        elif osp.isdir(self.img_dir):
            names = sorted(
                name[:-len(self.img_suffix)]
                for name in scandir(self.img_dir, self.img_suffix))
        else:
            raise FileNotFoundError(
                f'FDAStyle: img_dir {self.img_dir} does not exist')
        paths = [osp.join(self.img_dir, n + self.img_suffix) for n in names]
        if not paths:
            raise ValueError(f'FDAStyle: no style image in {self.img_dir} '
                             f'(ann_file {self.ann_file})')
        for path in paths:
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'FDAStyle: style image {path} (from {self.ann_file}) '
                    'does not exist')
        return paths

    @cache_randomness
    def _choose(self) -> Optional[int]:
        if np.random.rand() >= self.prob:
            return None
        return int(np.random.randint(len(self.style_paths)))

    def transform(self, results: dict) -> dict:
        index = self._choose()
        if index is None:
            return results
        img = results['img']
        style = mmcv.imread(self.style_paths[index])
        if style is None:
            raise OSError(
                f'FDAStyle: cannot read {self.style_paths[index]}')
        style = mmcv.imresize(style, (img.shape[1], img.shape[0]))
        styled = fda_source_to_target(img, style, self.beta)
        results['img'] = np.clip(styled, 0, 255).astype(img.dtype)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(img_dir={self.img_dir!r}, '
                f'ann_file={self.ann_file!r}, beta={self.beta}, '
                f'prob={self.prob})')
