"""Cross-domain ClassMix (DACS, Tranheden et al., WACV 2021; not in the
paper).

A source image lends the pixels of half its classes (chosen at random,
rounded up) to a target image: the mixed image carries the source's pixel
labels where they were pasted and the target's pseudo labels elsewhere. Every
mixed image so holds real labels of classes self-training would otherwise
lose (DACS: without it, pseudo labels collapse onto the easy classes), next
to target pixels in their own context.

The classes are drawn from a generator seeded by the run's seed and the
number of mixes made so far (a buffer), so a resumed run draws what the
uninterrupted one would have.
"""
from typing import Optional, Tuple

import torch
from mmseg.registry import MODELS
from torch import Tensor, nn


def seeded_generator(seed: int, count: int) -> torch.Generator:
    """A CPU generator for the ``count``-th draw of a run seeded ``seed``:
    a resumed run that restores ``count`` draws what the uninterrupted one
    would have."""
    return torch.Generator().manual_seed((seed + 1_000_003 * count) % 2**63)


@MODELS.register_module()
class ClassMix(nn.Module):
    """Masks from source labels and the mixed batch.

    Args:
        ignore_index: Source label never pasted (void, batch padding).
        seed: Seed of the class draws; None: torch's initial seed when
            built (mmengine's runner sets it from ``randomness.seed``
            first).
    """

    def __init__(self,
                 ignore_index: int = 255,
                 seed: Optional[int] = None) -> None:
        super().__init__()
        self.ignore_index = ignore_index
        self.seed = torch.initial_seed() if seed is None else seed
        self.register_buffer('mixes', torch.zeros((), dtype=torch.long))

    def next_generator(self) -> torch.Generator:
        """The generator of the next mix's draws, seeded by the run's seed
        and the number of mixes made so far (which it counts up)."""
        generator = seeded_generator(self.seed, int(self.mixes))
        self.mixes += 1
        return generator

    def masks(self, source_labels: Tensor) -> Tensor:
        """(B, H, W) bool, True on the pixels of ceil(n / 2) of the n
        classes of each source label map (a new draw at every call)."""
        generator = self.next_generator()
        masks = torch.zeros_like(source_labels, dtype=torch.bool)
        for i, labels in enumerate(source_labels):
            classes = labels.unique()
            classes = classes[classes != self.ignore_index]
            order = torch.randperm(len(classes), generator=generator)
            chosen = classes[order[:(len(classes) + 1) // 2].to(
                classes.device)]
            masks[i] = torch.isin(labels, chosen)
        return masks

    def forward(self,
                source_inputs: Tensor,
                source_labels: Tensor,
                target_inputs: Tensor,
                target_labels: Tensor,
                target_weights: Optional[Tensor] = None,
                masks: Optional[Tensor] = None
                ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """Mix each source image into the target image of the same index.

        Args:
            source_inputs, target_inputs: (B, C, H, W), one size.
            source_labels: (B, H, W) pixel labels.
            target_labels: (B, H, W) pseudo labels.
            target_weights: (B, H, W) their loss weights; None: 1. Pasted
                source pixels weigh 1.
            masks: (B, H, W) bool; None: :meth:`masks` of the source labels.

        Returns:
            The mixed inputs, labels and weights, and the masks.
        """
        if source_inputs.shape != target_inputs.shape:
            raise ValueError(
                'ClassMix mixes images of one size; got source '
                f'{tuple(source_inputs.shape)} and target '
                f'{tuple(target_inputs.shape)}: crop both domains alike')
        if masks is None:
            masks = self.masks(source_labels)
        if target_weights is None:
            target_weights = torch.ones_like(target_labels, dtype=torch.float)
        inputs = torch.where(masks[:, None], source_inputs, target_inputs)
        labels = torch.where(masks, source_labels, target_labels)
        weights = torch.where(masks, torch.ones_like(target_weights),
                              target_weights)
        return inputs, labels, weights, masks


@MODELS.register_module()
class CutMix(ClassMix):
    """A box of the source image pasted into the target image (CutMix, Yun
    et al., ICCV 2019; for segmentation French et al., BMVC 2020; DACS'
    alternative to ClassMix). Drop-in for :class:`ClassMix`
    (``SRTAdapter(class_mix=dict(type='CutMix'))``), same mix, same seeded
    draws; only the masks differ.

    A class mask pastes a class *with its domain's style*: where a source
    image holds one foreground class (a lesion on normal tissue), every
    pasted pixel of that class is source-styled and every target-styled
    pixel around it is the other class, so the mixed labels tie the class
    to the style. A box carries both classes of the source, in the
    proportion the source has them, and leaves both of the target's.

    Args:
        area_ratio: The box's share of the image area, in (0, 1]; its sides
            keep the image's aspect ratio, rounded to whole pixels (at least
            one), and it lies inside the image at a uniformly drawn place.
        ignore_index: Source label never pasted (void, batch padding): the
            box's void pixels stay the target's.
        seed: As :class:`ClassMix`.
    """

    def __init__(self,
                 area_ratio: float = 0.5,
                 ignore_index: int = 255,
                 seed: Optional[int] = None) -> None:
        if not 0 < area_ratio <= 1:
            raise ValueError(
                f'CutMix area_ratio must be in (0, 1], got {area_ratio}')
        super().__init__(ignore_index=ignore_index, seed=seed)
        self.area_ratio = float(area_ratio)

    def masks(self, source_labels: Tensor) -> Tensor:
        """(B, H, W) bool, True inside each image's box (a new draw at
        every call) where the source label is not void."""
        generator = self.next_generator()
        height, width = source_labels.shape[1:]
        side = self.area_ratio**0.5
        box_h = min(height, max(1, round(side * height)))
        box_w = min(width, max(1, round(side * width)))
        masks = torch.zeros_like(source_labels, dtype=torch.bool)
        for i in range(len(source_labels)):
            top, left = (int(torch.randint(free + 1, (), generator=generator))
                         for free in (height - box_h, width - box_w))
            masks[i, top:top + box_h, left:left + box_w] = True
        return masks & (source_labels != self.ignore_index)
