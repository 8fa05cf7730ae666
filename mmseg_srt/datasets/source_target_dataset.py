"""One training step sees a source batch and a target batch (paper 3.1, 3.4).

``SourceTargetDataset`` pairs two datasets: item ``(i, j)`` is
``dict(source=source[i], target=target[j])``, each packed by its own pipeline,
and ``pseudo_collate`` turns a list of them into ``dict(source=<batch>,
target=<batch>)``. An optional third dataset, ``target_frames``, holds the
target's frames through a pipeline that keeps each frame whole, read at the
same index ``j``: the batch the image-level losses train on, since a crop may
miss a class its frame's labels name. ``SourceTargetInfiniteSampler`` yields
the index pairs from two independent streams, each shuffled with its own seed
every pass and split across DDP ranks the way mmengine's ``InfiniteSampler``
splits one dataset, so every rank sees a different part of both sets and a
pass over the target set takes ``ceil(len(target) / world_size)`` samples per
rank. The sampler is deterministic given its seed, so mmengine's resume, which
replays the dataloader up to the stopped iteration, continues both streams
where they stopped.

Any mmseg dataset config can serve as either side; the class lists must be
equal (checked at construction).
"""
from typing import Iterator, Optional, Tuple, Union

import torch
from mmengine.dataset import BaseDataset
from mmengine.dist import get_dist_info, sync_random_seed
from mmseg.registry import DATASETS, DATA_SAMPLERS
from torch.utils.data import Dataset, Sampler

from .rare_class_sampling import ClassCrop
from .weak_seg_dataset import check_same_classes

# A source index: plain, or a rare-class draw to crop until it shows its class
SourceIndex = Union[int, ClassCrop]


def check_same_images(target: BaseDataset, frames: BaseDataset) -> None:
    """``target_frames`` must list ``target``'s images in its order."""
    target_paths = [target.get_data_info(i)['img_path']
                    for i in range(len(target))]
    frame_paths = [frames.get_data_info(i)['img_path']
                   for i in range(len(frames))]
    if target_paths != frame_paths:
        first = next((i for i, (a, b) in enumerate(
            zip(target_paths, frame_paths)) if a != b),
                     min(len(target_paths), len(frame_paths)))
        raise ValueError(
            'SourceTargetDataset: target_frames must hold the target\'s '
            f'images in its order: {len(frame_paths)} images against '
            f'{len(target_paths)}, first difference at item {first}')


@DATASETS.register_module()
class SourceTargetDataset(Dataset):
    """A source and a target dataset read side by side.

    Args:
        source: The labelled source dataset (config or instance).
        target: The target dataset (config or instance).
        target_frames: The target's frames again, whole (config or
            instance): the same images in the same order as ``target``,
            through a pipeline without a crop (not in the paper). Items
            then hold ``target_frames=target_frames[j]`` beside
            ``target=target[j]``.
    """

    def __init__(self,
                 source: Union[dict, BaseDataset],
                 target: Union[dict, BaseDataset],
                 target_frames: Union[dict, BaseDataset, None] = None) -> None:

        def build(dataset):
            return (DATASETS.build(dataset)
                    if isinstance(dataset, dict) else dataset)

        self.source = build(source)
        self.target = build(target)
        check_same_classes(self.source.metainfo, self.target.metainfo)
        self.target_frames = build(target_frames)
        if self.target_frames is not None:
            check_same_images(self.target, self.target_frames)
        self._metainfo = self.source.metainfo

    @property
    def metainfo(self) -> dict:
        return self._metainfo

    def __len__(self) -> int:
        """The source's length: what an epoch-based loop would iterate."""
        return len(self.source)

    def __getitem__(self,
                    index: Union[int, Tuple[SourceIndex, int]]) -> dict:
        if isinstance(index, (tuple, list)):
            source_index, target_index = index
        else:  # a plain sampler: walk both sets in step
            source_index, target_index = index, index % len(self.target)
        if isinstance(source_index, ClassCrop):
            source = self.crop_showing_class(source_index)
        else:
            source = self.source[source_index]
        item = dict(source=source, target=self.target[target_index])
        if self.target_frames is not None:
            item['target_frames'] = self.target_frames[target_index]
        return item

    def crop_showing_class(self, crop: ClassCrop) -> dict:
        """``source[crop.index]``, drawn again through its pipeline (a new
        random crop) up to ``crop.tries`` times while its label map holds
        ``crop.min_pixels`` or fewer pixels of ``crop.class_index``; the
        last draw is kept whatever it holds (DAFormer's re-crop)."""
        sample = self.source[crop.index]
        for _ in range(crop.tries):
            labels = sample['data_samples'].gt_sem_seg.data
            if int((labels == crop.class_index).sum()) > crop.min_pixels:
                break
            sample = self.source[crop.index]
        return sample


@DATA_SAMPLERS.register_module()
class SourceTargetInfiniteSampler(Sampler):
    """Endless ``(source_index, target_index)`` pairs for one DDP rank.

    Args:
        dataset: A :class:`SourceTargetDataset`.
        shuffle: Reshuffle each stream at every pass.
        seed: Seed of the source stream; the target stream uses ``seed + 1``.
            ``None`` draws one and shares it across ranks.
        source_sampler: Config of another endless sampler for the source
            stream, e.g. ``dict(type='RareClassSampler')`` (DAFormer's
            rare-class sampling); built on the source set with ``seed``.
            None: shuffled passes.
    """

    def __init__(self,
                 dataset: SourceTargetDataset,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 source_sampler: Optional[dict] = None) -> None:
        if not isinstance(dataset, SourceTargetDataset):
            raise TypeError('SourceTargetInfiniteSampler needs a '
                            f'SourceTargetDataset, got {type(dataset)}')
        self.rank, self.world_size = get_dist_info()
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.source_size = len(dataset.source)
        self.target_size = len(dataset.target)
        self.source_sampler = None
        if source_sampler is not None:
            self.source_sampler = DATA_SAMPLERS.build(
                source_sampler,
                default_args=dict(dataset=dataset.source, seed=self.seed))

    def _stream(self, size: int, seed: int) -> Iterator[int]:
        """One dataset's indices for this rank, pass after pass."""
        generator = torch.Generator()
        generator.manual_seed(seed)
        while True:
            if self.shuffle:
                order = torch.randperm(size, generator=generator).tolist()
            else:
                order = list(range(size))
            # Pad to a multiple of the world size so ranks stay in step.
            order += order[:(-size) % self.world_size]
            yield from order[self.rank::self.world_size]

    def __iter__(self) -> Iterator[Tuple[SourceIndex, int]]:
        if self.source_sampler is None:
            source = self._stream(self.source_size, self.seed)
        else:  # RareClassSampler's stream may hold ClassCrop indices
            source_indices = getattr(self.source_sampler, 'source_indices',
                                     None)
            source = (source_indices() if source_indices is not None else
                      iter(self.source_sampler))
        return zip(source, self._stream(self.target_size, self.seed + 1))

    def __len__(self) -> int:
        return self.source_size

    def set_epoch(self, epoch: int) -> None:
        """Endless streams: nothing to reset."""
