"""SLIC superpixels of target images, for Algorithm 2's spatial prior
(paper section 3.2, ref. [1]).

``SuperpixelSLIC`` runs in the data pipeline, so in the dataloader workers,
never in the training step. It segments the ORIGINAL image (read again from
``img_path`` when the pipeline has already resized it), so the result depends
on the image alone and can be cached per image on disk (``cache_dir``); it
then follows the geometry the image has undergone so far (resize, flip) and
joins ``seg_fields`` so that the seg_fields-aware transforms after it
(mmseg's ``RandomCrop``, ``RandomRotate``...) move it with the image.
mmcv's ``Resize``/``RandomResize``/``RandomFlip`` only move ``gt_seg_map``,
which is why the transform applies them itself: place it after
``RandomResize`` and ``RandomFlip`` and before ``RandomCrop``
(``PackSRTInputs`` raises an error when a flip came after it).
``PackSRTInputs`` packs the map as ``data_sample.gt_superpixels``.
"""
import hashlib
import os
import os.path as osp
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS
from skimage.segmentation import slic


@TRANSFORMS.register_module()
class SuperpixelSLIC(BaseTransform):
    """SLIC superpixel ids of the image, as a per-pixel map.

    Required Keys:

    - img, img_path
    - ori_shape (optional): the image's size on disk
    - flip, flip_direction (optional): set by ``RandomFlip``

    Modified Keys:

    - seg_fields: gains ``gt_superpixels``

    Added Keys:

    - gt_superpixels (np.ndarray): int32 ids from 0, the shape of ``img``
    - gt_superpixels_flip (bool): the flip state the map follows

    Args:
        n_segments: Approximate number of superpixels per image.
        compactness: SLIC's colour/space trade-off.
        sigma: Gaussian smoothing before segmentation.
        cache_dir: Folder of cached maps (one ``.npy`` per image and
            parameter set); None computes every time.
    """

    def __init__(self,
                 n_segments: int = 200,
                 compactness: float = 10.0,
                 sigma: float = 1.0,
                 cache_dir: Optional[str] = None) -> None:
        self.n_segments = n_segments
        self.compactness = compactness
        self.sigma = sigma
        self.cache_dir = cache_dir

    def _segment(self, img_bgr: np.ndarray) -> np.ndarray:
        labels = slic(
            img_bgr[..., ::-1],
            n_segments=self.n_segments,
            compactness=self.compactness,
            sigma=self.sigma,
            start_label=0,
            channel_axis=-1)
        return labels.astype(np.int32)

    def _cache_path(self, img_path: str) -> str:
        key = (f'{osp.abspath(img_path)}|{self.n_segments}|'
               f'{self.compactness}|{self.sigma}')
        name = hashlib.sha1(key.encode()).hexdigest()[:20] + '.npy'
        return osp.join(self.cache_dir, name)

    def _original_superpixels(self, results: dict) -> np.ndarray:
        img_path = results['img_path']
        cache_path = None
        if self.cache_dir is not None:
            cache_path = self._cache_path(img_path)
            if osp.exists(cache_path):
                return np.load(cache_path).astype(np.int32)
        ori_shape = tuple(results.get('ori_shape', results['img'].shape[:2]))
        if tuple(results['img'].shape[:2]) == ori_shape and not results.get(
                'flip', False):
            original = results['img']
        else:
            original = mmcv.imread(img_path)
            if original is None:
                raise FileNotFoundError(f'SuperpixelSLIC: cannot read '
                                        f'{img_path}')
        superpixels = self._segment(original)
        if cache_path is not None:
            os.makedirs(self.cache_dir, exist_ok=True)
            dtype = np.uint16 if superpixels.max() < 2**16 else np.int32
            # Atomic write: concurrent workers may cache the same image.
            temporary = f'{cache_path}.{os.getpid()}.tmp.npy'
            np.save(temporary, superpixels.astype(dtype))
            os.replace(temporary, cache_path)
        return superpixels

    def cache(self, img_path: str) -> bool:
        """Segment ``img_path`` into the cache unless it is there already
        (for filling the cache ahead of training); True if it computed."""
        if self.cache_dir is None:
            raise ValueError('SuperpixelSLIC.cache needs a cache_dir')
        if osp.exists(self._cache_path(img_path)):
            return False
        img = mmcv.imread(img_path)
        if img is None:
            raise FileNotFoundError(f'SuperpixelSLIC: cannot read {img_path}')
        self._original_superpixels(dict(img_path=img_path, img=img))
        return True

    def transform(self, results: dict) -> dict:
        superpixels = self._original_superpixels(results)
        height, width = results['img'].shape[:2]
        ori_shape = tuple(results.get('ori_shape', superpixels.shape))
        if superpixels.shape != ori_shape:
            raise ValueError(
                f'{results["img_path"]}: cached superpixels '
                f'{superpixels.shape} do not match the image {ori_shape}; '
                f'clear {self.cache_dir}')
        if 'scale_factor' in results:
            w_scale, h_scale = results['scale_factor']
            expected = (int(ori_shape[0] * h_scale + 0.5),
                        int(ori_shape[1] * w_scale + 0.5))
            if abs(expected[0] - height) > 1 or abs(expected[1] - width) > 1:
                raise ValueError(
                    f'{results["img_path"]}: the image ({height}x{width}) is '
                    f'no resize of the original {ori_shape}: place '
                    'SuperpixelSLIC before RandomCrop (and other crops)')
        if superpixels.shape != (height, width):
            superpixels = mmcv.imresize(
                superpixels, (width, height), interpolation='nearest')
        if results.get('flip', False):
            superpixels = mmcv.imflip(
                superpixels, direction=results['flip_direction'])
        results['gt_superpixels'] = np.ascontiguousarray(superpixels)
        results['gt_superpixels_flip'] = bool(results.get('flip', False))
        results.setdefault('seg_fields', [])
        if 'gt_superpixels' not in results['seg_fields']:
            results['seg_fields'].append('gt_superpixels')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(n_segments={self.n_segments}, '
                f'compactness={self.compactness}, sigma={self.sigma}, '
                f'cache_dir={self.cache_dir!r})')
