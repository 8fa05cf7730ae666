"""Output-space adversarial learning (paper Eq. 6, section 3.3; after
AdaptSegNet): S2's term that makes D take target softmax maps for source
ones, and D's own losses on detached maps of both domains.

``OutputSpaceAdversary`` holds the two losses and how D reads S2's output;
the discriminator itself stays the adapter's child (DDP wraps it in place,
so each call takes the current one).
"""
from typing import Dict, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.utils import resize
from torch import Tensor, nn

from ..losses.adversarial_loss import SOURCE_LABEL, TARGET_LABEL
from ..utils import frozen, unwrap

DISCRIMINATOR_INPUTS = ('input', 'logits')


class OutputSpaceAdversary:
    """S2's adversarial term and D's losses.

    Args:
        adversarial_loss: S2's term (its ``loss_weight`` is eta).
        discriminator_loss: D's term, of the same ``gan_type``.
        discriminator_input: ``'input'``: logits upsampled to the input
            size before the softmax (AdaptSegNet); ``'logits'``: at the
            head's resolution.
        align_corners: The decode head's, for the upsampling.
    """

    def __init__(self, adversarial_loss: nn.Module,
                 discriminator_loss: nn.Module, discriminator_input: str,
                 align_corners: bool) -> None:
        if discriminator_input not in DISCRIMINATOR_INPUTS:
            raise ValueError(
                f'discriminator_input must be one of {DISCRIMINATOR_INPUTS}'
                f', got {discriminator_input!r}')
        self.adversarial_loss = adversarial_loss
        self.discriminator_loss = discriminator_loss
        self.discriminator_input = discriminator_input
        self.align_corners = align_corners

    def probabilities(self, seg_logits: Tensor, inputs: Tensor) -> Tensor:
        """The softmax map D reads of ``seg_logits`` (of ``inputs``)."""
        if self.discriminator_input == 'input':
            seg_logits = resize(
                seg_logits,
                size=inputs.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
        return F.softmax(seg_logits, dim=1)

    def fooling_loss(self, discriminator: nn.Module,
                     target_probs: Tensor) -> Dict[str, Tensor]:
        """S2's term: D, frozen, should give the target maps the source
        label."""
        with frozen(unwrap(discriminator)):
            fooled = discriminator(target_probs)
        return {
            'adv.' + self.adversarial_loss.loss_name:
            self.adversarial_loss(fooled, SOURCE_LABEL)
        }

    def discriminator_losses(self, discriminator: nn.Module,
                             source_probs: Tensor, target_probs: Tensor
                             ) -> Tuple[Dict[str, Tensor], Tensor]:
        """D's losses (Eq. 6: target 1, source 0) in one forward of both
        domains' maps (D has no batch statistics), and its accuracy in
        percent."""
        if source_probs.shape[2:] != target_probs.shape[2:]:
            raise ValueError(
                'source and target batches differ in size '
                f'({tuple(source_probs.shape[2:])} vs '
                f'{tuple(target_probs.shape[2:])}); crop both domains to '
                'one size')
        logits = discriminator(torch.cat([source_probs, target_probs]))
        source_logits, target_logits = logits.split(
            [len(source_probs), len(target_probs)])
        name = self.discriminator_loss.loss_name
        losses = {
            f'disc.{name}_src':
            self.discriminator_loss(source_logits, SOURCE_LABEL),
            f'disc.{name}_tgt':
            self.discriminator_loss(target_logits, TARGET_LABEL),
        }
        with torch.no_grad():
            threshold = (0. if self.discriminator_loss.gan_type == 'vanilla'
                         else 0.5)
            correct = torch.cat([(source_logits < threshold).flatten(),
                                 (target_logits >= threshold).flatten()])
            accuracy = correct.float().mean() * 100
        return losses, accuracy
