"""The target stage of an adapter step (Eq. 3's target term; with a class
mix, DACS' self-training): pseudo labels from a model's target logits and,
with a class mix, the mixed batch they train on.

``SelfTraining`` composes the adapter's labeler, class mix and mix
transform (they stay the adapter's children, so checkpoints keep their
keys) and does their work on preprocessed batches: it resizes the logits to
the input size, where L_S compares, leaves batch padding out, hands each
labeler the batch's image labels and superpixels through the
:class:`..pseudo_labels.BasePseudoLabeler` interface, and pastes source
classes into the target images with the source's labels.
"""
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmseg.models.utils import resize
from mmseg.utils import add_prefix
from torch import Tensor, nn

from ..pseudo_labels import BasePseudoLabeler, PseudoLabels, stack_superpixels
from ..utils import (ground_truth, image_labels_of, stack_pixel_maps,
                     valid_mask, weighted_decode_loss)


def mix_transform_defaults(data_preprocessor: nn.Module) -> dict:
    """What a mix transform needs to know of the inputs it jitters: their
    ``mean`` and ``std`` (unnormalised inputs are 0-255) and
    ``channel_order`` (RGB where the preprocessor converts, mmseg's usual;
    else BGR as loaded)."""
    normalised = getattr(data_preprocessor, '_enable_normalize', False)
    return dict(
        mean=data_preprocessor.mean.flatten().tolist()
        if normalised else [0.0] * 3,
        std=data_preprocessor.std.flatten().tolist()
        if normalised else [1.0] * 3,
        channel_order='rgb' if getattr(data_preprocessor,
                                       'channel_conversion', False) else 'bgr')


class SelfTraining:
    """Pseudo labels of target batches and the class-mixed batch.

    Args:
        pseudo_labeler: Any :class:`BasePseudoLabeler`.
        class_mix: A cross-domain mix (``ClassMix``, ``CutMix``) called as
            ``class_mix(source_inputs, source_labels, target_inputs,
            target_labels, target_weights)``; None: no mixed batch.
        mix_transform: A transform of the mixed batch's inputs (e.g.
            ``ColorJitterBlur``); None: none.
        align_corners: The decode head's, for resizing its logits.
    """

    def __init__(self,
                 pseudo_labeler: BasePseudoLabeler,
                 class_mix: Optional[nn.Module] = None,
                 mix_transform: Optional[nn.Module] = None,
                 align_corners: bool = False) -> None:
        if not isinstance(pseudo_labeler, BasePseudoLabeler):
            raise TypeError(
                'pseudo_labeler must build a BasePseudoLabeler (a '
                'mmseg_srt.models.pseudo_labels labeler or a subclass), got '
                f'{type(pseudo_labeler).__name__}')
        if mix_transform is not None and class_mix is None:
            raise ValueError('mix_transform changes the mixed batch: it '
                             'needs class_mix')
        self.pseudo_labeler = pseudo_labeler
        self.class_mix = class_mix
        self.mix_transform = mix_transform
        self.align_corners = align_corners

    @torch.no_grad()
    def pseudo_labels(self, seg_logits: Tensor, target: dict) -> PseudoLabels:
        """The labeler's labels of a preprocessed target batch from its
        (B, K, h, w) logits, at the input size; log keys prefixed ``pl.``."""
        inputs, samples = target['inputs'], target['data_samples']
        height, width = inputs.shape[2:]
        probs = F.softmax(
            resize(
                seg_logits.detach(),
                size=(height, width),
                mode='bilinear',
                align_corners=self.align_corners),
            dim=1)
        image_labels, image_label_weights = image_labels_of(
            samples, inputs.device)
        labels, weights, log_vars = self.pseudo_labeler.label(
            probs,
            valid=valid_mask(samples, height, width, inputs.device),
            image_labels=image_labels,
            image_label_weights=image_label_weights,
            superpixels=self._superpixels(samples, height, width,
                                          inputs.device)
            if self.pseudo_labeler.uses_superpixels else None)
        if all('gt_pseudo_label_weight' in s for s in samples):
            # IgnorePseudoLabelRows: after the labeler, as DAFormer zeroes
            # the rows after computing its confident share
            weights = weights * stack_pixel_maps(
                [s.gt_pseudo_label_weight.data for s in samples], height,
                width, inputs.device, fill=0).to(weights)
        return PseudoLabels(labels, weights, add_prefix(log_vars, 'pl'))

    @staticmethod
    def _superpixels(samples: List, height: int, width: int,
                     device) -> Optional[Tensor]:
        return stack_superpixels([
            s.gt_superpixels.data if 'gt_superpixels' in s else None
            for s in samples
        ], height, width, device)

    def mixed_batch(self, source: dict, target: dict,
                    pseudo_labels: PseudoLabels) -> dict:
        """The class-mixed batch: inputs (transformed by the mix
        transform), labels and weights at the input size, and the target's
        samples (their metainfo) for the forward."""
        inputs, labels, weights, _ = self.class_mix(
            source['inputs'], ground_truth(source), target['inputs'],
            pseudo_labels.labels, pseudo_labels.weights)
        if self.mix_transform is not None:
            inputs = self.mix_transform(inputs)
        return dict(
            inputs=inputs,
            data_samples=target['data_samples'],
            labels=labels,
            weights=weights)

    def loss(self, decode_head: nn.Module, seg_logits: Tensor, batch: dict,
             pseudo_labels: PseudoLabels) -> Dict[str, Tensor]:
        """L_S's target term (Eq. 3) of the decode head's ``seg_logits`` of
        ``batch``: the mixed batch's labels and weights (``mix.decode.*``)
        when ``batch`` is one, else ``pseudo_labels`` (``tgt.decode.*``)."""
        if 'labels' in batch:
            labels, weights, prefix = (batch['labels'], batch['weights'],
                                       'mix.decode')
        else:
            labels, weights, prefix = (pseudo_labels.labels,
                                       pseudo_labels.weights, 'tgt.decode')
        return add_prefix(
            weighted_decode_loss(decode_head, seg_logits,
                                 batch['data_samples'], labels, weights),
            prefix)
