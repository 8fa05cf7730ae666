"""Rare-class sampling of source images (DAFormer, Hoyer et al., CVPR 2022;
not in the paper).

Self-training learns a class on the target only as well as the source
taught it; a class in few source pixels is seen rarely and late. Each
sample first draws a class c with probability ``softmax((1 - f_c) / T)``
over the classes' pixel frequencies f_c in the source set, then an image
among those holding at least ``min_pixels`` of c, uniformly. A small
temperature T favours the rarest classes (DAFormer: 0.01); a large one
approaches uniform classes.
"""
from typing import Iterator, List, Optional

import mmcv
import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.dist import get_dist_info, sync_random_seed
from mmseg.registry import DATA_SAMPLERS
from torch.utils.data import Sampler


def class_pixel_counts(dataset: BaseDataset) -> np.ndarray:
    """(N, K) pixels of each class in each image's label map (read as
    stored: a dataset's ``label_map`` or ``reduce_zero_label`` is not
    applied; values outside 0..K-1, such as ignore, are not counted)."""
    num_classes = len(dataset.metainfo['classes'])
    counts = np.zeros((len(dataset), num_classes), dtype=np.int64)
    for i in range(len(dataset)):
        path = dataset.get_data_info(i).get('seg_map_path')
        if path is None:
            raise ValueError('rare-class sampling needs label maps; image '
                             f'{i} of the dataset has no seg_map_path')
        labels = mmcv.imread(path, flag='unchanged', backend='pillow')
        if labels is None:
            raise OSError(f'rare-class sampling: cannot read {path}')
        values = labels.ravel().astype(np.int64)
        values = values[values < num_classes]
        counts[i] = np.bincount(values, minlength=num_classes)
    return counts


def rare_class_probabilities(counts: np.ndarray,
                             temperature: float) -> np.ndarray:
    """(K,) P(c) = softmax((1 - f_c) / T), f_c = class c's share of all
    labelled pixels; classes with no pixel get probability 0."""
    frequencies = counts.sum(0) / max(counts.sum(), 1)
    logits = (1 - frequencies) / temperature
    logits[counts.sum(0) == 0] = -np.inf
    logits -= logits[np.isfinite(logits)].max()
    weights = np.exp(logits)
    return weights / weights.sum()


@DATA_SAMPLERS.register_module()
class RareClassSampler(Sampler):
    """Endless indices of a labelled dataset, drawn class first.

    Args:
        dataset: A segmentation dataset with label maps.
        temperature: T of the class distribution.
        min_pixels: An image can stand for class c when it holds at least
            this many pixels of c (full label map).
        seed: Seed of the draws; None draws one shared across ranks. Each
            DDP rank draws its own stream (seed + rank).
    """

    def __init__(self,
                 dataset: BaseDataset,
                 temperature: float = 0.01,
                 min_pixels: int = 3000,
                 seed: Optional[int] = None) -> None:
        if temperature <= 0:
            raise ValueError('RareClassSampler: temperature must be > 0, got '
                             f'{temperature}')
        self.rank, _ = get_dist_info()
        self.seed = sync_random_seed() if seed is None else seed
        counts = class_pixel_counts(dataset)
        self.images_of_class: List[np.ndarray] = [
            np.flatnonzero(counts[:, k] >= min_pixels)
            for k in range(counts.shape[1])
        ]
        # A class no image holds min_pixels of cannot be drawn.
        usable = np.array([len(i) > 0 for i in self.images_of_class])
        if not usable.any():
            raise ValueError(
                f'RareClassSampler: no image holds min_pixels={min_pixels} '
                'pixels of any class')
        self.class_probabilities = rare_class_probabilities(
            counts * usable[None], temperature)
        self.size = len(dataset)

    def draws(self, generator: np.random.Generator) -> Iterator[int]:
        classes = np.arange(len(self.class_probabilities))
        while True:
            k = generator.choice(classes, p=self.class_probabilities)
            yield int(generator.choice(self.images_of_class[k]))

    def __iter__(self) -> Iterator[int]:
        return self.draws(np.random.default_rng(self.seed + self.rank))

    def __len__(self) -> int:
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """An endless stream: nothing to reset."""
