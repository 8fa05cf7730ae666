"""Cross-domain ClassMix (DACS, Tranheden et al., WACV 2021; not in the
paper).

A source image lends the pixels of half its classes (chosen at random,
rounded up) to a target image: the mixed image carries the source's pixel
labels where they were pasted and the target's pseudo labels elsewhere. Every
mixed image so holds real labels of classes self-training would otherwise
lose (DACS: without it, pseudo labels collapse onto the easy classes), next
to target pixels in their own context.
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
    """

    def __init__(self, ignore_index: int = 255) -> None:
        super().__init__()
        self.ignore_index = ignore_index

    def masks(self, source_labels: Tensor) -> Tensor:
        """(B, H, W) bool, True on the pixels of ceil(n / 2) of the n
        classes of each source label map (torch's global random state)."""
        masks = torch.zeros_like(source_labels, dtype=torch.bool)
        for i, labels in enumerate(source_labels):
            classes = labels.unique()
            classes = classes[classes != self.ignore_index]
            chosen = classes[torch.randperm(
                len(classes), device=classes.device)[:(len(classes) + 1) //
                                                      2]]
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
