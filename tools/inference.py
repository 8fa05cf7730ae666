"""Segment a folder of images with a trained model: masks and overlays.

For every image under INPUT (a folder, searched recursively, or one file)
writes, under the same relative path with a .png suffix:

    OUT/masks/<name>.png      class index per pixel (palette PNG: the values
                              are the class indices, viewers show colours)
    OUT/overlays/<name>.png   the image with the prediction blended in

Any of our configs and checkpoints works (an SRT adapter's checkpoint is
reduced to its segmentor; D and the pseudo-label state are not used at
test time, paper section 3.4). The images go through the config's test
pipeline (its Resize), and predictions come back at each image's own size.
Checkpoints load with the safe loader of ``tools/test.py``.

Usage::

    python tools/inference.py configs/srt_kvasir2cvc.py \\
        work_dirs/srt_kvasir2cvc/iter_2000.pth my_frames/ --out-dir pred/
"""
import os
import os.path as osp
from typing import List, Sequence

import cv2
import mmengine
import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmseg.registry import DATASETS

from mmseg_srt.apis import load_model, segmentor_of
from mmseg_srt.utils import require_checkpoints
from mmseg_srt.visualization import overlay, palette_of, save_index_png
from srt_tools.args import config_parser, load_config

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')


def list_images(source: str) -> List[str]:
    """Relative paths of the images under ``source`` (or its own name)."""
    if osp.isfile(source):
        return [osp.basename(source)]
    if not osp.isdir(source):
        raise FileNotFoundError(f'{source}: no such image or folder')
    names = sorted(
        path for path in mmengine.scandir(source, recursive=True)
        if path.lower().endswith(IMAGE_SUFFIXES))
    if not names:
        raise FileNotFoundError(
            f'{source} holds no image ({", ".join(IMAGE_SUFFIXES)})')
    return names


def test_pipeline(cfg: Config) -> Compose:
    """The config's test pipeline without its annotation loading."""
    steps = [
        step for step in cfg.test_dataloader.dataset.pipeline
        if step['type'] != 'LoadAnnotations'
    ]
    return Compose(steps)


def class_palette(cfg: Config) -> np.ndarray:
    """(K, 3) RGB colours of the config's test dataset classes."""
    dataset_type = DATASETS.get(cfg.test_dataloader.dataset.type)
    return palette_of(dataset_type.METAINFO)


def segment_folder(cfg: Config, checkpoint: str, source: str, out_dir: str,
                   opacity: float = 0.5, batch_size: int = 1,
                   device: str = 'cpu') -> List[str]:
    """Write masks and overlays of every image under ``source``; returns
    the relative names written."""
    names = list_images(source)
    root = source if osp.isdir(source) else osp.dirname(source)
    segmentor = segmentor_of(load_model(cfg, checkpoint)).to(device)
    pipeline = test_pipeline(cfg)
    palette = class_palette(cfg)
    progress = mmengine.ProgressBar(len(names))
    for start in range(0, len(names), batch_size):
        batch_names = names[start:start + batch_size]
        items = [
            pipeline(dict(img_path=osp.join(root, name)))
            for name in batch_names
        ]
        samples = segmentor.test_step(pseudo_collate(items))
        for name, sample, item in zip(batch_names, samples, items):
            _write(out_dir, name, sample.pred_sem_seg.data[0].cpu().numpy(),
                   item['data_samples'].img_path, palette, opacity)
            progress.update()
    return names


def _write(out_dir: str, name: str, mask: np.ndarray, img_path: str,
           palette: np.ndarray, opacity: float) -> None:
    stem = osp.splitext(name)[0] + '.png'
    image = cv2.imread(img_path, cv2.IMREAD_COLOR)
    if image.shape[:2] != mask.shape:
        raise RuntimeError(f'{img_path}: prediction {mask.shape} is not '
                           f'the image size {image.shape[:2]}')
    for kind, write in (('masks', lambda p: save_index_png(p, mask, palette)),
                        ('overlays', lambda p: cv2.imwrite(
                            p, overlay(image, mask, palette, opacity)))):
        path = osp.join(out_dir, kind, stem)
        os.makedirs(osp.dirname(path), exist_ok=True)
        write(path)


def parse_args(argv: Sequence[str] = None):
    parser = config_parser(
        'Segment a folder of images: masks and overlays (PNG)',
        checkpoints='1')
    parser.add_argument('input', help='an image folder (recursive) or image')
    parser.add_argument('--out-dir', default='inference',
                        help='where masks/ and overlays/ go')
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='weight of the class colour in the overlays')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available()
                        else 'cpu')
    return parser.parse_args(argv)


def main():
    args = parse_args()
    require_checkpoints([args.checkpoint])
    if not 0 <= args.opacity <= 1:
        raise ValueError(f'--opacity must lie in [0, 1], got {args.opacity}')
    cfg = load_config(args)
    import mmseg_srt  # noqa: F401  (registers components, safe loading)
    names = segment_folder(cfg, args.checkpoint, args.input, args.out_dir,
                           args.opacity, args.batch_size, args.device)
    print(f'\n{len(names)} images -> {osp.join(args.out_dir, "masks")}, '
          f'{osp.join(args.out_dir, "overlays")}')


if __name__ == '__main__':
    main()
