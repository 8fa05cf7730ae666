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

    def masks(self, source_labels: Tensor) -> Tensor:
        """(B, H, W) bool, True on the pixels of ceil(n / 2) of the n
        classes of each source label map (a new draw at every call)."""
        generator = torch.Generator().manual_seed(
            (self.seed + 1_000_003 * int(self.mixes)) % 2**63)
        self.mixes += 1
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
