"""Confidence-weighted pseudo labels (not in the paper): DAFormer's
self-training target (Hoyer et al., CVPR 2022, after DACS), with the image
labels of weakly labelled targets (Paul et al., ECCV 2020).

Each pixel gets the teacher's most probable class; the image's labels first
remove the classes they say are absent (a class whose image label is unknown
stays possible). Instead of dropping unsure pixels, the loss on an image is
scaled by its quality: the share of its pixels whose top probability reaches
``confidence_threshold`` (DAFormer: 0.968). Early, when the model is unsure
everywhere, self-training barely counts; as it grows confident its weight
rises towards 1, without a schedule and without a class being cut off by a
threshold of its own (Algorithm 1's failure on classes the model stops
predicting). DACS and DAFormer take one share over the whole batch
(``weighting='batch'``); the default, ``'image'``, takes each image's own, so
that a frame the teacher is unsure of counts less than a clear one beside it
(the benchmarks' recorded ST-Mix rows use it). With ``weighting='pixel'``
the unsure pixels are dropped instead (weight 0, the confident ones 1: the
hard threshold of CBST and FixMatch), so a region's uncertain outline never
trains as either class.
``warmup_samples`` gives every pixel weight 0 until that many target images
have been labelled (``PseudoLabelHook(warmup_ratio=...)`` sets it from the
schedule), so self-training starts from a model the other losses have
trained rather than from the source model. ``loss_weight`` scales every
pseudo-labelled pixel's weight (the target pixels of a class-mixed image;
its source pixels keep 1): how much self-training counts against the
source loss, as an mmseg loss's ``loss_weight``.
"""
from typing import Optional, Tuple

import torch
from mmseg.registry import MODELS
from torch import Tensor

from .base import BasePseudoLabeler, PseudoLabels

# DAFormer's top probability of a confident pixel.
CONFIDENCE_THRESHOLD = 0.968
WEIGHTINGS = ('image', 'batch', 'pixel')


def allowed_by_image_labels(image_labels: Tensor,
                            image_label_weights: Optional[Tensor] = None
                            ) -> Tensor:
    """(B, K) 1 where a class may be assigned: present in the image's
    labels, or unknown (weight 0); 0 where the labels say absent."""
    allowed = image_labels.float()
    if image_label_weights is not None:
        allowed = torch.maximum(allowed, 1 - image_label_weights.float())
    return allowed


@MODELS.register_module()
class ConfidencePseudoLabeler(BasePseudoLabeler):
    """Argmax pseudo labels and their per-image confidence weight.

    Args:
        num_classes: K.
        confidence_threshold: A pixel is confident when its top probability
            is at least this; an image's weight is its confident share.
        use_image_labels: Never assign a class the image's labels say is
            absent (its probability is removed and the rest renormalised
            before the argmax and the confidence).
        weighting: ``'image'``: every pixel of an image weighs the image's
            confident share; ``'batch'``: every pixel weighs the batch's
            confident share (DACS, DAFormer; per rank under DDP, as theirs);
            ``'pixel'``: a confident pixel weighs 1, any other 0. Shares are
            of the valid pixels.
        ignore_index: Label of pixels outside the image (batch padding).
        warmup_samples: Target images (per rank) labelled with weight 0
            before the weights count; None or 0: from the first batch. The
            count is a buffer, so a resumed run goes on where it stopped.
        loss_weight: Factor on every pixel's weight (>= 0).
    """

    def __init__(self,
                 num_classes: int,
                 confidence_threshold: float = CONFIDENCE_THRESHOLD,
                 use_image_labels: bool = True,
                 weighting: str = 'image',
                 ignore_index: int = 255,
                 warmup_samples: Optional[int] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__(
            num_classes,
            ignore_index=ignore_index,
            warmup_samples=warmup_samples)
        if loss_weight < 0:
            raise ValueError(f'loss_weight must be >= 0, got {loss_weight}')
        self.loss_weight = float(loss_weight)
        self.register_buffer('samples_seen',
                             torch.tensor(0, dtype=torch.long))
        if not 0.0 <= confidence_threshold <= 1.0:
            raise ValueError('confidence_threshold must be in [0, 1], got '
                             f'{confidence_threshold}')
        if weighting not in WEIGHTINGS:
            raise ValueError(f'weighting must be one of {WEIGHTINGS}, got '
                             f'{weighting!r}')
        self.weighting = weighting
        self.confidence_threshold = confidence_threshold
        self.use_image_labels = use_image_labels

    @torch.no_grad()
    def forward(self,
                probs: Tensor,
                valid: Optional[Tensor] = None,
                image_labels: Optional[Tensor] = None,
                image_label_weights: Optional[Tensor] = None
                ) -> Tuple[Tensor, Tensor]:
        """Labels (B, H, W) and pixel weights (B, H, W) of one batch.

        Args:
            probs: (B, K, H, W) softmax output of the model making labels.
            valid: (B, H, W) bool, False on padding: labelled
                ``ignore_index``, weight 0, not counted in the share.
            image_labels: (B, K) multi-hot; used with ``use_image_labels``.
            image_label_weights: (B, K), 0 where an image label is unknown.
        """
        if probs.shape[1] != self.num_classes:
            raise ValueError(f'probs has {probs.shape[1]} classes, the '
                             f'labeler {self.num_classes}')
        probs = probs.detach()
        if self.use_image_labels and image_labels is not None:
            probs = probs * allowed_by_image_labels(
                image_labels, image_label_weights).to(probs)[:, :, None, None]
            # An image whose labels allow nothing keeps a zero map: its
            # argmax is class 0 with confidence 0, so it weighs nothing.
            probs = probs / probs.sum(1, keepdim=True).clamp(min=1e-12)
        confidence, labels = probs.max(dim=1)
        if valid is None:
            valid = torch.ones_like(labels, dtype=torch.bool)
        confident = (confidence >= self.confidence_threshold) & valid
        if self.weighting == 'pixel':
            weights = confident.float()
        elif self.weighting == 'batch':
            weight = confident.sum().float() / valid.sum().clamp(min=1)
            weights = weight * valid.float()
        else:
            weight = confident.flatten(1).sum(1).float() / valid.flatten(
                1).sum(1).clamp(min=1).float()
            weights = weight[:, None, None] * valid.float()
        weights = weights * self.loss_weight
        labels = labels.masked_fill(~valid, self.ignore_index)
        if self.warmup_samples and int(
                self.samples_seen) < self.warmup_samples:
            weights = torch.zeros_like(weights)
        self.samples_seen += probs.shape[0]
        return labels, weights

    def label(self,
              probs: Tensor,
              valid: Optional[Tensor] = None,
              image_labels: Optional[Tensor] = None,
              image_label_weights: Optional[Tensor] = None,
              superpixels: Optional[Tensor] = None) -> PseudoLabels:
        """:meth:`forward`'s labels and weights; logs ``weight``, each
        image's weighted share of its valid pixels (its confident share
        under ``'image'`` weighting), averaged, in percent. Superpixels are
        not used."""
        labels, weights = self(probs, valid, image_labels,
                               image_label_weights)
        if valid is None:
            valid = torch.ones_like(labels, dtype=torch.bool)
        share = weights.flatten(1).sum(1) / valid.flatten(1).sum(1).clamp(
            min=1)
        return PseudoLabels(labels, weights, {'weight': share.mean() * 100})
