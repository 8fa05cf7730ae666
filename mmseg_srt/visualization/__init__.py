"""Drawing class maps: palettes, colour maps, overlays, outlines and
palette PNGs, shared by the tools (inference, error analysis, pseudo-label
figures). Images are BGR uint8 (OpenCV's order); palettes are RGB, as in
mmseg's dataset ``METAINFO``."""
from typing import Optional, Sequence

import cv2
import numpy as np
from PIL import Image

__all__ = [
    'palette_of', 'colorize', 'overlay', 'outline', 'save_index_png'
]


def palette_of(metainfo: dict, num_classes: Optional[int] = None,
               seed: int = 0) -> np.ndarray:
    """(K, 3) uint8 RGB colours of a dataset's classes: its ``palette``, or
    fixed random colours where it has none."""
    classes = metainfo.get('classes') or ()
    count = num_classes or len(classes)
    if not count:
        raise ValueError('palette_of: the metainfo names no classes; pass '
                         'num_classes')
    palette = metainfo.get('palette')
    if palette:
        palette = np.asarray(palette, dtype=np.uint8)
        if len(palette) >= count:
            return palette[:count]
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, 3), dtype=np.uint8)


def colorize(labels: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """RGB image of a class map; pixels outside 0..K-1 (ignore) black."""
    labels = np.asarray(labels)
    out = np.zeros(labels.shape + (3, ), dtype=np.uint8)
    known = (labels >= 0) & (labels < len(palette))
    out[known] = palette[labels[known]]
    return out


def overlay(image_bgr: np.ndarray,
            labels: np.ndarray,
            palette: np.ndarray,
            opacity: float = 0.5,
            where: Optional[np.ndarray] = None) -> np.ndarray:
    """``(1 - opacity) * image + opacity * colour of the pixel's class``,
    rounded, on the pixels of ``where`` (default: every pixel with a
    class); the others keep the image."""
    labels = np.asarray(labels)
    known = (labels >= 0) & (labels < len(palette))
    if where is not None:
        known &= where
    colours = colorize(labels, palette)[..., ::-1].astype(np.float32)
    blended = (1 - opacity) * image_bgr.astype(np.float32) + \
        opacity * colours
    out = image_bgr.copy()
    out[known] = np.clip(np.round(blended[known]), 0, 255).astype(np.uint8)
    return out


def outline(image_bgr: np.ndarray,
            mask: np.ndarray,
            color_bgr: Sequence[int] = (0, 255, 0),
            thickness: int = 2) -> np.ndarray:
    """The image with the outer contours of a binary mask drawn on it."""
    contours, _ = cv2.findContours(
        np.asarray(mask).astype(np.uint8), cv2.RETR_EXTERNAL,
        cv2.CHAIN_APPROX_NONE)
    image = np.ascontiguousarray(image_bgr).copy()
    cv2.drawContours(image, contours, -1, tuple(int(c) for c in color_bgr),
                     thickness)
    return image


def save_index_png(path: str, labels: np.ndarray,
                   palette: np.ndarray) -> None:
    """A palette PNG: its values are the class indices, viewers show the
    palette's colours."""
    image = Image.fromarray(np.asarray(labels).astype(np.uint8), mode='P')
    flat = np.zeros((256, 3), dtype=np.uint8)
    flat[:len(palette)] = palette
    image.putpalette(flat.ravel().tolist())
    image.save(path)
