"""Rare-class sampling of source images (DAFormer, Hoyer et al., CVPR 2022;
not in the paper).

Self-training learns a class on the target only as well as the source
taught it; a class in few source pixels is seen rarely and late. Each
sample first draws a class c with probability ``softmax((1 - f_c) / T)``
over the classes' pixel frequencies f_c in the source set, then an image
among those holding at least ``min_pixels`` of c, uniformly. A small
temperature T favours the rarest classes (DAFormer: 0.01); a large one
approaches uniform classes. ``min_pixels`` counts pixels of the label map as
stored, as DAFormer's 3000 count GTA5's 1914x1052 labels (0.15 % of the
frame).

With ``min_crop_ratio`` the image drawn for c is cropped again, up to
``crop_tries`` times, until its pipeline's crop holds more than
``min_pixels * min_crop_ratio`` pixels of c (DAFormer: 0.5 and 10 tries;
the crop's pixels are counted after the whole pipeline): the sampler yields
:class:`ClassCrop` indices, which :class:`SourceTargetDataset` reads.
"""
from typing import Iterator, List, NamedTuple, Optional, Sequence, Union

import mmcv
import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.dist import get_dist_info, sync_random_seed
from mmseg.registry import DATA_SAMPLERS
from torch.utils.data import Sampler


def label_map_pixel_counts(paths: Sequence[str],
                           num_classes: int,
                           ignore_index: Optional[int] = None) -> np.ndarray:
    """(N, K) pixels of each class 0..K-1 in each label map file (values as
    stored). Other values are not counted; with ``ignore_index`` given, any
    other value than it raises a ValueError naming the file."""
    counts = np.zeros((len(paths), num_classes), dtype=np.int64)
    for i, path in enumerate(paths):
        labels = mmcv.imread(path, flag='unchanged', backend='pillow')
        if labels is None:
            raise OSError(f'cannot read the label map {path}')
        values = labels.ravel().astype(np.int64)
        outside = values >= num_classes
        if ignore_index is not None and (outside
                                         & (values != ignore_index)).any():
            raise ValueError(
                f'{path}: label {int(values[outside].max())} outside the '
                f'{num_classes} classes (and not {ignore_index}, ignore)')
        counts[i] = np.bincount(values[~outside], minlength=num_classes)
    return counts


def class_pixel_counts(dataset: BaseDataset) -> np.ndarray:
    """(N, K) pixels of each class in each image's label map (read as
    stored: a dataset's ``label_map`` or ``reduce_zero_label`` is not
    applied; values outside 0..K-1, such as ignore, are not counted)."""
    paths = []
    for i in range(len(dataset)):
        path = dataset.get_data_info(i).get('seg_map_path')
        if path is None:
            raise ValueError('rare-class sampling needs label maps; image '
                             f'{i} of the dataset has no seg_map_path')
        paths.append(path)
    return label_map_pixel_counts(paths, len(dataset.metainfo['classes']))


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


class ClassCrop(NamedTuple):
    """A source index whose sample should show ``class_index``: re-drawn
    (a new random crop of the same image) up to ``tries`` times while its
    label map holds ``min_pixels`` or fewer pixels of the class."""
    index: int
    class_index: int
    min_pixels: float
    tries: int


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
        min_crop_ratio: > 0: re-crop the image drawn for c until the crop
            holds more than ``min_pixels * min_crop_ratio`` pixels of c
            (DAFormer: 0.5). Needs the sampler as
            ``SourceTargetInfiniteSampler``'s ``source_sampler`` (the
            re-crop happens in ``SourceTargetDataset``); 0: no re-crop.
        crop_tries: The most re-crops of one draw (DAFormer: 10).
    """

    def __init__(self,
                 dataset: BaseDataset,
                 temperature: float = 0.01,
                 min_pixels: int = 3000,
                 seed: Optional[int] = None,
                 min_crop_ratio: float = 0.0,
                 crop_tries: int = 10) -> None:
        if temperature <= 0:
            raise ValueError('RareClassSampler: temperature must be > 0, got '
                             f'{temperature}')
        if min_crop_ratio < 0 or crop_tries < 1:
            raise ValueError('RareClassSampler: min_crop_ratio must be >= 0 '
                             f'and crop_tries >= 1, got {min_crop_ratio} and '
                             f'{crop_tries}')
        self.min_crop_pixels = min_pixels * min_crop_ratio
        self.crop_tries = crop_tries
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

    def draws(self, generator: np.random.Generator) -> Iterator[ClassCrop]:
        """Endless (image, class) draws, each as a :class:`ClassCrop`."""
        classes = np.arange(len(self.class_probabilities))
        while True:
            k = generator.choice(classes, p=self.class_probabilities)
            index = int(generator.choice(self.images_of_class[k]))
            yield ClassCrop(index, int(k), self.min_crop_pixels,
                            self.crop_tries)

    def source_indices(self) -> Iterator[Union[int, ClassCrop]]:
        """This rank's stream for ``SourceTargetInfiniteSampler``:
        :class:`ClassCrop` indices with ``min_crop_ratio``, plain ones
        without."""
        draws = self.draws(np.random.default_rng(self.seed + self.rank))
        if self.min_crop_pixels > 0:
            return draws
        return (draw.index for draw in draws)

    def __iter__(self) -> Iterator[int]:
        if self.min_crop_pixels > 0:
            raise ValueError(
                'RareClassSampler: min_crop_ratio re-crops in '
                'SourceTargetDataset; use the sampler as '
                'SourceTargetInfiniteSampler(source_sampler=...), or '
                'min_crop_ratio=0 with a plain dataset')
        return self.source_indices()

    def __len__(self) -> int:
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """An endless stream: nothing to reset."""
