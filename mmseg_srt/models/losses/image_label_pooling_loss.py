"""The weak-label classification loss on the segmentation output (Paul et
al., "Domain adaptive semantic segmentation using weak labels", ECCV 2020;
not in the paper).

S2's own logits are pooled into one score per class and image, and the
image's labels train those scores with a multi-label binary cross-entropy:
a class the labels say is absent is pushed out of every pixel of the
image, a present one into some. Two poolings of class k's logit map A_k
over its pixels i (N of them):

- ``'softmax'`` (the default, the recorded rows' pooling): the spatial-
  softmax weighting with which Paul et al. pool features for their
  category-wise alignment, a smooth maximum,
  ``s_k = sum_i softmax_i(A_k) A_k,i``: a class present in a few pixels
  scores as high as one that fills the image;
- ``'lse'``: the log-mean-exp of their classification loss (the code of
  sujoyp/weak-da-seg), ``s_k = log(1/N sum_i exp(A_k,i))``: a class in n of
  the N pixels at logit a scores about ``a + log(n / N)``, so a present
  class must cover some area, and an absent one is pushed down everywhere
  at once. (They also drop out 10 % of the logits before pooling; not
  here.)

- ``'max_probability'``: the highest softmax probability of class k over
  the pixels, ``p_k = max_i softmax(A)_k,i``, trained by the binary
  cross-entropy of probabilities (-log p_k present, -log(1 - p_k) absent):
  the score of an absent class in SEC's expansion loss (Kolesnikov and
  Lampert, ECCV 2016), here for the present classes too. Unlike the two
  logit poolings it saturates: an absent class no pixel gives probability
  is pushed no further, whereas a sigmoid of a pooled logit keeps lowering
  that class's logits wherever they are high, which the softmax of the
  segmentation loss leaves free. A present class must win a pixel of the
  logits' grid, which a class thinner than the output stride seldom
  covers: it is pushed to win whole cells of what surrounds it.

Unknown image labels (weight 0) add no term; the loss averages over the
known (image, class) pairs, as L_C does.
"""
import math
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


def log_mean_exp_pooling(seg_logits: Tensor,
                         valid: Optional[Tensor] = None) -> Tensor:
    """(B, K) ``log(mean(exp(A)))`` of (B, K, H, W) logits over the pixels
    where ``valid`` (B, H, W) is True (all without it)."""
    logits = seg_logits.flatten(2)
    if valid is None:
        return logits.logsumexp(-1) - math.log(logits.shape[-1])
    mask = valid.flatten(1)[:, None].expand_as(logits)
    counts = mask.sum(-1).clamp(min=1).to(logits)
    return (logits.masked_fill(~mask, float('-inf')).logsumexp(-1) -
            counts.log())


def max_probability_pooling(seg_logits: Tensor,
                            valid: Optional[Tensor] = None) -> Tensor:
    """(B, K) each class's highest softmax probability (over the classes of
    (B, K, H, W) logits) among the pixels where ``valid`` (B, H, W) is
    True (all without it)."""
    probabilities = seg_logits.softmax(1).flatten(2)
    if valid is not None:
        probabilities = probabilities.masked_fill(
            ~valid.flatten(1)[:, None], 0.)
    return probabilities.amax(-1)


POOLINGS = {
    'softmax': softmax_pooling,
    'lse': log_mean_exp_pooling,
    'max_probability': max_probability_pooling
}
# Poolings whose scores are probabilities (the others give logits).
PROBABILITY_POOLINGS = ('max_probability', )


@MODELS.register_module()
class ImageLabelPoolingLoss(nn.Module):
    """Binary cross-entropy between pooled segmentation logits and image
    labels.

    Args:
        loss_weight: Multiplies the loss (Paul et al.: 0.01 with 'lse').
        pooling: ``'softmax'``, ``'lse'`` or ``'max_probability'`` (see
            the module docstring).
        loss_name: Key of the loss in the log (starts with ``loss_``).
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 pooling: str = 'softmax',
                 loss_name: str = 'loss_pool') -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f'pooling must be one of {tuple(POOLINGS)}, '
                             f'got {pooling!r}')
        self.pooling = pooling
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
        scores = POOLINGS[self.pooling](seg_logits, valid)
        known = (torch.ones_like(scores) if image_label_weights is None else
                 image_label_weights.to(scores))
        if self.pooling in PROBABILITY_POOLINGS:
            # float32 keeps 1 - 1e-6 apart from 1
            scores = scores.float().clamp(1e-6, 1 - 1e-6)
            losses = F.binary_cross_entropy(
                scores, image_labels.to(scores), reduction='none')
        else:
            losses = F.binary_cross_entropy_with_logits(
                scores, image_labels.to(scores), reduction='none')
        loss = (losses * known).sum() / known.sum().clamp(min=1.)
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        return self._loss_name
