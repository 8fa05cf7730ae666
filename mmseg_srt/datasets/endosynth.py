"""EndoSynth: the embedded two-domain lesion dataset (no download needed).

A deterministic generator of small endoscopy-like frames with two classes,
``normal`` (mucosa) and ``lesion``, in two domains that differ the way a second
device and a second organ would:

- source ("device A", gastroscope-like): pink mucosa, dense fine vessels,
  neutral white balance, sharp, low noise, even lighting; lesions are raised,
  dark-red, bumpy blobs. Pixel masks for every image.
- target ("device B", enteroscope-like): yellow-shifted white balance and a
  different gamma, strong vignetting, coarser mucosa texture with villus-like
  speckle, optical blur, sensor noise; lesions are smaller and lower-contrast.
  Image-level labels for the training split, pixel masks only for the test
  split.

Some images of each domain contain no lesion, so image-level labels differ
between images. The layout written is the one the weakly-labelled dataset
classes read (see configs/endosynth/README.md)::

    root/
      meta.json                     classes, palette, generator settings
      source/images/<name>.png      RGB
      source/masks/<name>.png       uint8 class index (255 = ignore)
      source/train.txt, val.txt     one name per line
      source/image_labels.txt       "<name> <class> [<class> ...]"
      target/images/<name>.png
      target/masks/<name>.png       test split only
      target/train.txt, test.txt
      target/image_labels.txt       training split only

The same ``seed`` always gives byte-identical files.
"""
import json
import os
import os.path as osp
import shutil
from dataclasses import asdict, dataclass
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from .lesion_dataset import LESION_CLASSES as CLASSES
from .lesion_dataset import LESION_PALETTE as PALETTE

GENERATOR_VERSION = 1
META_FILE = 'meta.json'


@dataclass(frozen=True)
class DomainStyle:
    """How one imaging device and organ render mucosa and lesions."""
    mucosa_rgb: Tuple[float, float, float]
    mucosa_texture_scale: int  # pixels per low-frequency texture cell
    mucosa_texture_strength: float
    speckle_strength: float  # villus-like fine speckle on the mucosa
    vessel_count: Tuple[int, int]
    lesion_rgb_shift: Tuple[float, float, float]
    lesion_bump_strength: float
    lesion_radius: Tuple[float, float]  # fraction of the shorter side
    lesion_probability: float
    white_balance: Tuple[float, float, float]
    gamma: float
    vignette: float  # brightness lost at the corners
    blur_sigma: float
    noise_std: float


SOURCE_STYLE = DomainStyle(
    mucosa_rgb=(205., 115., 105.),
    mucosa_texture_scale=24,
    mucosa_texture_strength=18.,
    speckle_strength=0.,
    vessel_count=(6, 12),
    lesion_rgb_shift=(-40., -55., -40.),
    lesion_bump_strength=22.,
    lesion_radius=(0.12, 0.28),
    lesion_probability=0.7,
    white_balance=(1.0, 1.0, 1.0),
    gamma=1.0,
    vignette=0.1,
    blur_sigma=0.,
    noise_std=2.,
)

TARGET_STYLE = DomainStyle(
    mucosa_rgb=(200., 140., 100.),
    mucosa_texture_scale=40,
    mucosa_texture_strength=26.,
    speckle_strength=14.,
    vessel_count=(1, 4),
    lesion_rgb_shift=(-28., -45., -22.),
    lesion_bump_strength=14.,
    lesion_radius=(0.08, 0.2),
    lesion_probability=0.6,
    white_balance=(1.08, 0.97, 0.72),
    gamma=0.8,
    vignette=0.45,
    blur_sigma=1.1,
    noise_std=7.,
)


def _smooth_field(rng: np.random.Generator, height: int, width: int,
                  cell: int) -> np.ndarray:
    """Low-frequency noise in about [-1, 1] with features ``cell`` px wide."""
    coarse = rng.standard_normal((height // cell + 3, width // cell + 3))
    field = cv2.resize(coarse, (width + 3 * cell, height + 3 * cell),
                       interpolation=cv2.INTER_CUBIC)
    top, left = rng.integers(0, cell, size=2)
    field = field[top:top + height, left:left + width]
    return field / (np.abs(field).max() + 1e-6)


def _blob_mask(rng: np.random.Generator, height: int, width: int,
               radius: float) -> Tuple[np.ndarray, np.ndarray]:
    """An irregular filled blob; returns (mask, normalised radial distance)."""
    margin = radius * 0.6
    cy = rng.uniform(margin, height - margin)
    cx = rng.uniform(margin, width - margin)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    angle = np.arctan2(yy - cy, xx - cx)
    outline = np.ones_like(angle)
    for harmonic, amplitude in ((2, 0.18), (3, 0.12), (5, 0.06)):
        outline += amplitude * rng.uniform(0.3, 1.0) * np.cos(
            harmonic * angle + rng.uniform(0, 2 * np.pi))
    distance = np.hypot(yy - cy, xx - cx) / (radius * outline)
    return distance < 1.0, distance


def _draw_vessels(rng: np.random.Generator, canvas: np.ndarray,
                  count: int) -> None:
    height, width = canvas.shape[:2]
    for _ in range(count):
        points = [rng.uniform((0, 0), (width, height))]
        for _ in range(int(rng.integers(3, 7))):
            step = rng.normal(0, width / 6, size=2)
            points.append(points[-1] + step)
        cv2.polylines(canvas, [np.int32(points)], isClosed=False,
                      color=float(rng.uniform(0.5, 1.0)),
                      thickness=int(rng.integers(1, 3)),
                      lineType=cv2.LINE_AA)


def render_frame(rng: np.random.Generator, style: DomainStyle, height: int,
                 width: int) -> Tuple[np.ndarray, np.ndarray]:
    """One RGB uint8 frame and its uint8 class mask (0 normal, 1 lesion)."""
    base = np.array(style.mucosa_rgb) + rng.normal(0, 8, size=3)
    image = np.empty((height, width, 3))
    image[...] = base
    texture = _smooth_field(rng, height, width, style.mucosa_texture_scale)
    image += style.mucosa_texture_strength * texture[..., None]
    if style.speckle_strength:
        speckle = _smooth_field(rng, height, width, 3)
        image += style.speckle_strength * speckle[..., None] * [1., .8, .6]

    vessels = np.zeros((height, width), np.float32)
    _draw_vessels(rng, vessels, int(rng.integers(*style.vessel_count)))
    image -= vessels[..., None] * [25., 60., 45.]

    # Dark folds appear in both classes so darkness alone is not a lesion.
    folds = np.zeros((height, width), np.float32)
    _draw_vessels(rng, folds, int(rng.integers(0, 3)))
    folds = cv2.GaussianBlur(folds, (0, 0), 3)
    image -= folds[..., None] * 90.

    mask = np.zeros((height, width), np.uint8)
    if rng.random() < style.lesion_probability:
        for _ in range(int(rng.integers(1, 3))):
            radius = rng.uniform(*style.lesion_radius) * min(height, width)
            blob, distance = _blob_mask(rng, height, width, radius)
            # Raised lesion: full colour inside, fading over its outer rim.
            dome = np.clip(2.5 * (1.0 - distance), 0, 1)**0.5
            bumps = _smooth_field(rng, height, width, 4)
            shading = np.clip(dome, 0, 1)[..., None]
            image += shading * np.array(style.lesion_rgb_shift)
            image += (style.lesion_bump_strength * bumps * blob)[..., None]
            mask[blob] = 1

    # Specular highlights anywhere: light reflections, not lesions.
    for _ in range(int(rng.integers(2, 6))):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        cv2.circle(image, centre, int(rng.integers(1, 4)), (255, 255, 255),
                   -1, cv2.LINE_AA)

    image = _apply_device(rng, image, style)
    return image, mask


def _apply_device(rng: np.random.Generator, image: np.ndarray,
                  style: DomainStyle) -> np.ndarray:
    """Optics and sensor of a device: white balance, gamma, vignette, blur,
    noise."""
    height, width = image.shape[:2]
    image = np.clip(image, 0, 255) * np.array(style.white_balance)
    image = 255. * (np.clip(image, 0, 255) / 255.)**style.gamma
    yy, xx = np.mgrid[0:height, 0:width]
    radial = np.hypot((yy - height / 2) / (height / 2),
                      (xx - width / 2) / (width / 2)) / np.sqrt(2)
    image *= (1. - style.vignette * radial**2)[..., None]
    if style.blur_sigma:
        image = cv2.GaussianBlur(image, (0, 0), style.blur_sigma)
    image += rng.normal(0, style.noise_std, size=image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def _image_labels(mask: np.ndarray) -> List[int]:
    return [int(k) for k in np.unique(mask) if k != 255]


def _write_split(folder: str, prefix: str, domain_id: int,
                 style: DomainStyle,
                 splits: Dict[str, int], pixel_label_splits: Sequence[str],
                 image_label_splits: Sequence[str], seed: int, height: int,
                 width: int) -> None:
    os.makedirs(osp.join(folder, 'images'), exist_ok=True)
    os.makedirs(osp.join(folder, 'masks'), exist_ok=True)
    index = 0
    image_label_lines = []
    for split, count in splits.items():
        names = []
        for _ in range(count):
            # One generator per image: any image can be regenerated alone.
            rng = np.random.default_rng([seed, domain_id, index])
            image, mask = render_frame(rng, style, height, width)
            name = f'{prefix}_{index:04d}'
            cv2.imwrite(
                osp.join(folder, 'images', name + '.png'),
                cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            if split in pixel_label_splits:
                cv2.imwrite(osp.join(folder, 'masks', name + '.png'), mask)
            if split in image_label_splits:
                labels = ' '.join(map(str, _image_labels(mask)))
                image_label_lines.append(f'{name} {labels}')
            names.append(name)
            index += 1
        with open(osp.join(folder, f'{split}.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')
    with open(osp.join(folder, 'image_labels.txt'), 'w') as f:
        f.write('\n'.join(image_label_lines) + '\n')


def generate_endosynth(root: str,
                       seed: int = 0,
                       height: int = 128,
                       width: int = 160,
                       num_source_train: int = 240,
                       num_source_val: int = 40,
                       num_target_train: int = 200,
                       num_target_test: int = 80) -> str:
    """Write EndoSynth under ``root`` unless it is already there.

    The files are written to a sibling folder and renamed into place, so an
    interrupted run leaves no half-written ``root`` and several processes
    (DDP ranks, dataloader workers) may call this at once.

    Returns:
        ``root``.

    Raises:
        FileExistsError: ``root`` holds something else, or EndoSynth made with
            other settings.
    """
    settings = dict(
        version=GENERATOR_VERSION,
        seed=seed,
        height=height,
        width=width,
        num_source_train=num_source_train,
        num_source_val=num_source_val,
        num_target_train=num_target_train,
        num_target_test=num_target_test)
    if _check_existing(root, settings):
        return root
    staging = f'{root.rstrip(os.sep)}.tmp-{os.getpid()}'
    shutil.rmtree(staging, ignore_errors=True)
    common = dict(seed=seed, height=height, width=width)
    _write_split(
        osp.join(staging, 'source'),
        'src',
        0,
        SOURCE_STYLE,
        dict(train=num_source_train, val=num_source_val),
        pixel_label_splits=('train', 'val'),
        image_label_splits=('train', 'val'),
        **common)
    _write_split(
        osp.join(staging, 'target'),
        'tgt',
        1,
        TARGET_STYLE,
        dict(train=num_target_train, test=num_target_test),
        pixel_label_splits=('test', ),
        image_label_splits=('train', ),
        **common)
    meta = dict(
        classes=list(CLASSES),
        palette=PALETTE,
        settings=settings,
        source_style=asdict(SOURCE_STYLE),
        target_style=asdict(TARGET_STYLE))
    with open(osp.join(staging, META_FILE), 'w') as f:
        json.dump(meta, f, indent=2)
    os.makedirs(osp.dirname(osp.abspath(root)), exist_ok=True)
    try:
        os.rename(staging, root)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not _check_existing(root, settings):  # not another process's
            raise
    return root


def _check_existing(root: str, settings: dict) -> bool:
    """True if ``root`` holds EndoSynth made with ``settings``."""
    if not osp.exists(root) or (osp.isdir(root) and not os.listdir(root)):
        return False
    meta_path = osp.join(root, META_FILE)
    if not osp.isfile(meta_path):
        raise FileExistsError(
            f'{root} exists but has no {META_FILE}, so it is not EndoSynth '
            'data; remove it or choose another data_root')
    with open(meta_path) as f:
        found = json.load(f).get('settings')
    if found != settings:
        raise FileExistsError(
            f'{meta_path} records EndoSynth settings {found}, not the '
            f'requested {settings}; remove {root} to regenerate it')
    return True
