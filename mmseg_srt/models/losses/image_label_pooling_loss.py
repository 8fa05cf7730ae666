"""The weak-label classification loss on the segmentation output (Paul et
al., "Domain adaptive semantic segmentation using weak labels", ECCV 2020;
not in the paper).

S2's own logits are pooled into one score per class and image, and the
image's labels train those scores with a multi-label binary cross-entropy:
a class the labels say is absent is pushed out of every pixel of the
image, a present one into some. The pooling is Paul et al.'s spatial-
softmax weighting, a smooth maximum: ``s_k = sum_i softmax_i(A_k) A_k,i``
over the pixels i of class k's logit map A_k, so a class present in a few
pixels scores as high as one that fills the image. Unknown image labels
(weight 0) add no term; the loss averages over the known (image, class)
pairs, as L_C does.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor, nn


def softmax_pooling(seg_logits: Tensor,
                    valid: Optional[Tensor] = None) -> Tensor:
    """(B, K) spatial-softmax-weighted means of (B, K, H, W) logits, over
    the pixels where ``valid`` (B, H, W) is True (all without it)."""
    logits = seg_logits.flatten(2)
    if valid is not None:
        mask = valid.flatten(1)[:, None].expand_as(logits)
        attention = logits.masked_fill(~mask, float('-inf')).softmax(-1)
    else:
        attention = logits.softmax(-1)
    return (attention * logits).sum(-1)


@MODELS.register_module()
class ImageLabelPoolingLoss(nn.Module):
    """Binary cross-entropy between pooled segmentation logits and image
    labels.

    Args:
        loss_weight: Multiplies the loss.
        loss_name: Key of the loss in the log (starts with ``loss_``).
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_pool') -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                seg_logits: Tensor,
                image_labels: Tensor,
                image_label_weights: Optional[Tensor] = None,
                valid: Optional[Tensor] = None) -> Tensor:
        """Args:
            seg_logits: (B, K, H, W) segmentation logits.
            image_labels: (B, K) multi-hot.
            image_label_weights: (B, K), 0 where a label is unknown.
            valid: (B, H, W) bool at the logits' size, False on padding.
        """
        scores = softmax_pooling(seg_logits, valid)
        known = (torch.ones_like(scores) if image_label_weights is None else
                 image_label_weights.to(scores))
        losses = F.binary_cross_entropy_with_logits(
            scores, image_labels.to(scores), reduction='none')
        loss = (losses * known).sum() / known.sum().clamp(min=1.)
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        return self._loss_name
