"""The pseudo-labeler interface: what the adapter and ``PseudoLabelHook``
use of any labeler, so that a new one plugs in without editing either.

A labeler turns the target batch's class probabilities (and what the batch
says about itself: its valid pixels, image-level labels, superpixels) into
pixel labels and per-pixel loss weights, and says what is worth logging
about them. What it needs from the training loop is how long its warm-up is
(``warmup_samples``) and, for a labeler that counts epochs, how many target
samples an epoch holds (``samples_per_epoch``); ``PseudoLabelHook`` sets
both before training.
"""
from abc import ABCMeta, abstractmethod
from typing import Dict, NamedTuple, Optional

from torch import Tensor, nn


class PseudoLabels(NamedTuple):
    """One target batch's pseudo labels.

    Attributes:
        labels: (B, H, W) class indices; ``ignore_index`` where unlabelled.
        weights: (B, H, W) each pixel's loss weight; None: 1 everywhere.
        log_vars: Scalars to log, without a prefix (the adapter adds
            ``pl.``).
    """
    labels: Tensor
    weights: Optional[Tensor]
    log_vars: Dict[str, Tensor]


class BasePseudoLabeler(nn.Module, metaclass=ABCMeta):
    """Base of the pseudo-label makers of the target term of L_S (Eq. 3).

    Args:
        num_classes: K.
        ignore_index: Label of pixels without a pseudo label.
        warmup_samples: Target samples (per rank) seen before the labels
            count; None: the labeler's own default.
        samples_per_epoch: Target samples per rank in one epoch, for a
            labeler with ``needs_samples_per_epoch``; None lets
            ``PseudoLabelHook`` set it from the target dataset.
    """

    #: Whether the labeler counts epochs, so that ``PseudoLabelHook`` must
    #: tell it ``samples_per_epoch``.
    needs_samples_per_epoch: bool = False
    #: Whether ``label`` reads superpixels, so that the caller stacks them.
    uses_superpixels: bool = False

    def __init__(self,
                 num_classes: int,
                 ignore_index: int = 255,
                 warmup_samples: Optional[int] = None,
                 samples_per_epoch: Optional[int] = None) -> None:
        super().__init__()
        if warmup_samples is not None and warmup_samples < 0:
            raise ValueError('warmup_samples must be >= 0, got '
                             f'{warmup_samples}')
        if samples_per_epoch is not None and samples_per_epoch < 1:
            raise ValueError('samples_per_epoch must be positive, got '
                             f'{samples_per_epoch}')
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.warmup_samples = warmup_samples
        self.samples_per_epoch = samples_per_epoch

    @abstractmethod
    def label(self,
              probs: Tensor,
              valid: Optional[Tensor] = None,
              image_labels: Optional[Tensor] = None,
              image_label_weights: Optional[Tensor] = None,
              superpixels: Optional[Tensor] = None) -> PseudoLabels:
        """Pseudo labels of one target batch.

        Args:
            probs: (B, K, H, W) softmax output of the model making labels,
                at the labels' resolution.
            valid: (B, H, W) bool, False on batch padding (never labelled).
            image_labels: (B, K) multi-hot image-level labels, or None.
            image_label_weights: (B, K), 0 where an image label is unknown.
            superpixels: (B, H, W) superpixel ids (negative on padding), or
                None where the pipeline computed none or the labeler does
                not ``uses_superpixels``.
        """
