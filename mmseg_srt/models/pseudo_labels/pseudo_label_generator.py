"""Class-balanced pseudo labels with a superpixel prior (paper Eq. 3-5,
Algorithms 1 and 2, section 3.4).

Each training step, :class:`PseudoLabelGenerator`

1. assigns pseudo labels to the target batch from S2's softmax output by
   Eq. 5: ``k* = argmax_k P_k / exp(-lambda_k)``, kept when
   ``P_k* > exp(-lambda_k*)``, else ignored;
2. fills unlabelled pixels by superpixel voting (Algorithm 2, see
   :mod:`.superpixel_refinement`), with superpixels that the data pipeline's
   ``SuperpixelSLIC`` transform computed per image;
3. adds the batch's predictions to the per-class statistics of Algorithm 1
   (:mod:`.class_balanced_thresholds`).

Where the statistics come from: the online predictions of the previous
epoch. The target forward pass happens in every step anyway (for L_S's
target term and D), so its argmax and maximum probability are streamed into
histograms at no extra network cost; at the end of an epoch, one pass over the
target set, the histograms give the thresholds ``exp(-lambda_k)`` used during
the next epoch, and p rises by ``portion_step`` (up to ``portion_max``). A
separate inference pass at each epoch start, as CBST does, would predict with one fixed
model on whole images but costs a forward over the whole target set per
epoch; the online statistics see each image once per epoch (as augmented
crops, from a model that moves during the epoch). The first epoch has no
statistics yet, so it assigns no pseudo labels: the model first learns from
the source (and D), as self-paced learning (Eq. 3) starts from confident
predictions of a trained model.

``statistics='running'`` (not in the paper) answers the other half of that
trade-off: the thresholds follow the model that uses them. Next to the
epoch's histograms it keeps histograms whose counts decay by
``exp(-batch / running_samples)`` per step, and recomputes the thresholds
from them after every step (a K x num_bins cumulative sum), at the p of the
current epoch; the epoch still sets p and when the first labels come.

``warmup_samples`` (not in the paper) delays the first thresholds: epochs
pass without pseudo labels until that many target samples were seen, so
that self-training starts from a model the source has trained, not from the
first epoch's (``PseudoLabelHook(warmup_ratio=...)`` sets it as a share of
the schedule). p's schedule starts with the first labelled epoch.

An epoch is ``samples_per_epoch`` target samples per rank, counted in whole
batches; ``PseudoLabelHook`` sets it to ``ceil(len(target) / world_size)``,
the target sampler's pass, for iteration-based loops too.

All state (histograms, thresholds, p, epoch, the samples seen in the epoch)
lives in buffers, so checkpoints hold it and resume restores it. Under DDP
each step's histogram is all-reduced (sum) before it is added, so every rank
holds the statistics of all ranks at all times: the same thresholds
everywhere, and a checkpoint (written by rank 0) that holds the whole
epoch's statistics so far, which a resumed run continues from on every rank.
The all-reduce moves ``K x num_bins`` integers per step (150 KB for 19
classes), small beside DDP's gradients.
"""
import math
from typing import Optional, Sequence, Tuple

import torch
from mmengine.dist import all_reduce
from mmseg.registry import MODELS
from torch import Tensor
from torch.profiler import record_function

from ..utils.batch import stack_pixel_maps
from .base import BasePseudoLabeler, PseudoLabels
from .class_balanced_thresholds import (EMPTY_CLASS_THRESHOLD, SCALES,
                                        accumulate_histograms, class_maxima,
                                        pass_counts_of_maxima,
                                        shares_of_counts,
                                        thresholds_from_histograms)
from .confidence_pseudo_labels import allowed_by_image_labels
from .superpixel_refinement import refine_with_superpixels


@MODELS.register_module()
class PseudoLabelGenerator(BasePseudoLabeler):
    """Pseudo labels for the target domain (Eq. 5, Algorithms 1-2).

    Args:
        num_classes: K.
        portion_start: p of the first thresholds (paper: 25%).
        portion_step: p's rise per epoch (paper: 5%).
        portion_max: p's cap (paper: 55%).
        class_balanced: Per-class thresholds (Algorithm 1); False uses one
            threshold from all pixels for every class (ablation woCB).
        superpixel_refinement: Algorithm 2's voting; False is ablation woSP.
        in_place_refinement: Algorithm 2's raster-order in-place update
            (literal); False votes on the initial labels only.
        num_bins: Histogram bins; with ``histogram_scale='linear'``
            thresholds are within ``1 / num_bins`` of the exact sorted
            answer.
        histogram_scale: ``'linear'``: bins equal in P over [0, 1]
            (Algorithm 1's values); ``'log'``: bins equal in -log(1 - P),
            which resolve the confidences near 1 where a trained model's
            pixels crowd (not in the paper; see
            :mod:`.class_balanced_thresholds`).
        samples_per_epoch: Target samples per rank in one epoch; None lets
            ``PseudoLabelHook`` set it from the dataloader.
        use_image_labels: Never assign a class that the image's image-level
            labels say is absent (not in the paper; off by default). A
            class whose image label is unknown (weight 0) is not vetoed.
        statistics: ``'epoch'``: thresholds from the previous epoch's
            predictions, fixed for an epoch (Algorithm 1 as the paper runs
            it); ``'running'``: recomputed after every step from decaying
            histograms of the recent predictions (not in the paper).
        running_samples: The memory of ``'running'`` statistics in target
            samples per rank (counts decay by e every this many); None: one
            epoch.
        warmup_samples: Target samples per rank seen before the first
            thresholds, which come at the end of the epoch that reaches
            it; None: one epoch (the paper). Not in the paper.
        keep_silent_thresholds: A class no pixel was predicted as during an
            epoch keeps its previous threshold instead of the empty 1.0
            (which would give it no pseudo label until the model predicts
            it again without any: a class that falls silent stays silent).
            Not in the paper; off by default.
        ignore_index: Label of pixels without a pseudo label.
    """

    needs_samples_per_epoch = True
    uses_superpixels = True

    def __init__(self,
                 num_classes: int,
                 portion_start: float = 0.25,
                 portion_step: float = 0.05,
                 portion_max: float = 0.55,
                 class_balanced: bool = True,
                 superpixel_refinement: bool = True,
                 in_place_refinement: bool = True,
                 num_bins: int = 1000,
                 histogram_scale: str = 'linear',
                 samples_per_epoch: Optional[int] = None,
                 use_image_labels: bool = False,
                 statistics: str = 'epoch',
                 running_samples: Optional[int] = None,
                 keep_silent_thresholds: bool = False,
                 warmup_samples: Optional[int] = None,
                 ignore_index: int = 255) -> None:
        super().__init__(
            num_classes,
            ignore_index=ignore_index,
            warmup_samples=warmup_samples,
            samples_per_epoch=samples_per_epoch)
        for name, value in (('portion_start', portion_start),
                            ('portion_max', portion_max)):
            if not 0.0 < value <= 1.0:
                raise ValueError(f'{name} must be in (0, 1], got {value}')
        if portion_step < 0:
            raise ValueError(f'portion_step must be >= 0, got {portion_step}')
        if histogram_scale not in SCALES:
            raise ValueError(f'histogram_scale must be one of {SCALES}, got '
                             f'{histogram_scale!r}')
        if statistics not in ('epoch', 'running'):
            raise ValueError("statistics must be 'epoch' or 'running', got "
                             f'{statistics!r}')
        if running_samples is not None and running_samples < 1:
            raise ValueError('running_samples must be positive, got '
                             f'{running_samples}')
        self.portion_start = portion_start
        self.portion_step = portion_step
        self.portion_max = portion_max
        self.class_balanced = class_balanced
        self.superpixel_refinement = superpixel_refinement
        self.in_place_refinement = in_place_refinement
        self.num_bins = num_bins
        self.histogram_scale = histogram_scale
        self.use_image_labels = use_image_labels
        self.keep_silent_thresholds = keep_silent_thresholds
        self.statistics = statistics
        self.running_samples = running_samples
        self.register_buffer('histograms',
                             torch.zeros(num_classes, num_bins,
                                         dtype=torch.long))
        self.register_buffer(
            'class_thresholds',
            torch.full((num_classes, ), EMPTY_CLASS_THRESHOLD))
        if statistics == 'running':
            self.register_buffer(
                'running_histograms',
                torch.zeros(num_classes, num_bins, dtype=torch.float64))
        self.register_buffer('portion', torch.tensor(0.0))
        self.register_buffer('epoch', torch.tensor(0, dtype=torch.long))
        self.register_buffer('samples_seen', torch.tensor(0,
                                                          dtype=torch.long))
        # The last forward's shares of passing pixels and counts of
        # predicted pixels (see forward); not state.
        self.pass_shares: Optional[Tensor] = None
        self.predicted_pixels: Optional[Tensor] = None

    @property
    def warmup_epochs(self) -> int:
        """Epochs without pseudo labels: 1 (the paper), or as many as
        ``warmup_samples`` takes (at least 1: thresholds need an epoch's
        statistics)."""
        if not self.warmup_samples or self.samples_per_epoch is None:
            return 1
        return max(1, math.ceil(self.warmup_samples / self.samples_per_epoch))

    @property
    def has_thresholds(self) -> bool:
        """False during the warm-up (the paper: the first epoch)."""
        return int(self.epoch) >= self.warmup_epochs

    def portion_of_epoch(self, epoch: int) -> float:
        """p for the thresholds computed at the end of ``epoch`` (0-based):
        ``portion_start`` at the end of the last warm-up epoch, then one
        ``portion_step`` per epoch up to ``portion_max``."""
        labelled = epoch - (self.warmup_epochs - 1)
        return min(self.portion_start + self.portion_step * labelled,
                   self.portion_max)

    # ------------------------------------------------------------------
    # Eq. 5 and Algorithm 2.
    def assign(self,
               probs: Tensor,
               valid: Optional[Tensor] = None,
               image_labels: Optional[Tensor] = None,
               image_label_weights: Optional[Tensor] = None) -> Tensor:
        """Eq. 5: (B, H, W) labels from (B, K, H, W) probabilities.

        Args:
            probs: Softmax output of S2.
            valid: (B, H, W) bool, False on padding (never labelled).
            image_labels: (B, K) multi-hot; used with ``use_image_labels``.
            image_label_weights: (B, K), 0 where an image label is unknown
                (such a class is not vetoed); None: all known.
        """
        batch, _, height, width = probs.shape
        labels = torch.full((batch, height, width),
                            self.ignore_index,
                            dtype=torch.long,
                            device=probs.device)
        if not self.has_thresholds:
            return labels
        if self.use_image_labels and image_labels is not None:
            allowed = allowed_by_image_labels(image_labels,
                                              image_label_weights).to(probs)
            probs = probs * allowed[:, :, None, None]
        thresholds = self.class_thresholds.to(probs)[None, :, None, None]
        ratio, best = (probs / thresholds).max(dim=1)
        keep = ratio > 1.0
        if valid is not None:
            keep &= valid
        return torch.where(keep, best, labels)

    def refine(self, labels: Tensor, superpixels: Tensor) -> Tensor:
        """Algorithm 2's superpixel voting (a no-op under woSP)."""
        if not self.superpixel_refinement:
            return labels
        return refine_with_superpixels(
            labels,
            superpixels,
            self.num_classes,
            ignore_index=self.ignore_index,
            in_place=self.in_place_refinement)

    def forward(self,
                probs: Tensor,
                valid: Optional[Tensor] = None,
                superpixels: Optional[Tensor] = None,
                image_labels: Optional[Tensor] = None,
                observe: bool = True,
                image_label_weights: Optional[Tensor] = None) -> Tensor:
        """Pseudo labels of one target batch; with ``observe`` its
        predictions also join this epoch's statistics (after the labels are
        assigned, with the previous epoch's thresholds).

        Also sets :attr:`pass_shares`: per class, the share of the pixels
        predicted as k whose P_k passes the threshold these labels were
        made with (what Algorithm 1 means to be p; NaN where no pixel is
        predicted as k), and :attr:`predicted_pixels`, how many pixels are
        predicted as k (to pool the shares of many batches), or None both
        before the first thresholds.

        Args:
            probs: (B, K, H, W) softmax output of S2 at label resolution.
            valid: (B, H, W) bool mask of real (not padded) pixels.
            superpixels: (B, H, W) superpixel ids (negative on padding);
                required unless ``superpixel_refinement=False``.
            image_labels: (B, K) multi-hot image labels.
            observe: Count the batch in Algorithm 1's statistics.
            image_label_weights: (B, K), 0 where an image label is unknown.
        """
        probs = probs.detach()
        # One max over K serves the shares and the statistics.
        maxima = class_maxima(probs, valid)
        self.pass_shares = self.predicted_pixels = None
        if self.has_thresholds:
            passed, self.predicted_pixels = pass_counts_of_maxima(
                *maxima, self.class_thresholds)
            self.pass_shares = shares_of_counts(passed, self.predicted_pixels)
        labels = self.assign(probs, valid, image_labels, image_label_weights)
        if self.superpixel_refinement and self.has_thresholds:
            if superpixels is None:
                raise ValueError(
                    'superpixel_refinement needs superpixels: add '
                    "dict(type='SuperpixelSLIC') to the target pipeline "
                    '(before RandomCrop), or set '
                    'pseudo_labeler.superpixel_refinement=False (woSP)')
            with record_function('srt:superpixel_refinement'):
                labels = self.refine(labels, superpixels)
        if observe:
            with record_function('srt:threshold_statistics'):
                self.observe(probs, valid, maxima)
        return labels

    @torch.no_grad()
    def label(self,
              probs: Tensor,
              valid: Optional[Tensor] = None,
              image_labels: Optional[Tensor] = None,
              image_label_weights: Optional[Tensor] = None,
              superpixels: Optional[Tensor] = None) -> PseudoLabels:
        """:meth:`forward`'s labels (no weights: every labelled pixel
        counts 1). Logs what they were made with (``portion`` p and each
        ``threshold.k``, read before the call, which may end the epoch and
        move both on), each class's ``pass_share.k`` with its
        ``predicted.k`` pixel count (so that shares pool over steps), and
        the ``labelled`` share of the valid pixels."""
        log_vars = {'portion': self.portion.clone() * 100}
        if self.has_thresholds:
            for k, threshold in enumerate(self.class_thresholds):
                log_vars[f'threshold.{k}'] = threshold.clone()
        labels = self(
            probs,
            valid=valid,
            superpixels=superpixels,
            image_labels=image_labels,
            image_label_weights=image_label_weights)
        if self.pass_shares is not None:
            for k, share in enumerate(self.pass_shares):
                if not torch.isnan(share):
                    log_vars[f'pass_share.{k}'] = share.float() * 100
                    log_vars[f'predicted.{k}'] = (
                        self.predicted_pixels[k].float())
        if valid is None:
            valid = torch.ones_like(labels, dtype=torch.bool)
        labelled = (labels != self.ignore_index).sum()
        log_vars['labelled'] = labelled.float() / valid.sum().clamp(
            min=1) * 100
        return PseudoLabels(labels, None, log_vars)

    # ------------------------------------------------------------------
    # Algorithm 1, streamed.
    @torch.no_grad()
    def observe(self,
                probs: Tensor,
                valid: Optional[Tensor] = None,
                maxima: Optional[Tuple[Tensor, Tensor]] = None) -> None:
        """Add a batch's predictions to the statistics; ends the epoch when
        ``samples_per_epoch`` samples were seen. ``maxima``:
        ``class_maxima(probs, valid)`` when the caller has it already."""
        if self.samples_per_epoch is None:
            raise RuntimeError(
                'PseudoLabelGenerator does not know the length of an epoch: '
                "add dict(type='PseudoLabelHook') to custom_hooks, or set "
                'pseudo_labeler.samples_per_epoch')
        max_probs, predicted = maxima or class_maxima(probs, valid)
        batch_histograms = torch.zeros_like(self.histograms)
        accumulate_histograms(batch_histograms, max_probs, predicted,
                              self.histogram_scale)
        all_reduce(batch_histograms, op='sum')
        self.histograms += batch_histograms
        self.samples_seen += probs.shape[0]
        if self.statistics == 'running':
            memory = self.running_samples or self.samples_per_epoch
            self.running_histograms.mul_(
                math.exp(-probs.shape[0] / memory)).add_(batch_histograms)
        if int(self.samples_seen) >= self.samples_per_epoch:
            self.end_epoch()
        elif self.statistics == 'running' and self.has_thresholds:
            self._set_thresholds(self.running_histograms,
                                 float(self.portion))

    @torch.no_grad()
    def end_epoch(self) -> None:
        """Algorithm 1 on the epoch's statistics (of all ranks), then a
        fresh histogram for the next epoch. Warm-up epochs only restart
        the histogram."""
        if int(self.epoch) + 1 < self.warmup_epochs:
            self.histograms.zero_()
            self.epoch += 1
            self.samples_seen -= self.samples_per_epoch
            return
        portion = self.portion_of_epoch(int(self.epoch))
        self._set_thresholds(
            self.running_histograms
            if self.statistics == 'running' else self.histograms, portion)
        self.portion.fill_(portion)
        self.histograms.zero_()
        self.epoch += 1
        self.samples_seen -= self.samples_per_epoch

    def _set_thresholds(self, histograms: Tensor, portion: float) -> None:
        """Algorithm 1 on ``histograms`` at ``portion``."""
        histograms = histograms.cpu()
        thresholds = thresholds_from_histograms(histograms, portion,
                                                self.class_balanced,
                                                self.histogram_scale)
        if self.keep_silent_thresholds:
            silent = histograms.sum(dim=1) == 0
            thresholds[silent] = self.class_thresholds.cpu()[silent]
        self.class_thresholds.copy_(thresholds)

    def extra_repr(self) -> str:
        return (f'num_classes={self.num_classes}, '
                f'portion={self.portion_start}+{self.portion_step}/epoch'
                f'<={self.portion_max}, class_balanced={self.class_balanced},'
                f' superpixel_refinement={self.superpixel_refinement}, '
                f'histogram_scale={self.histogram_scale!r}')


def samples_per_epoch_of(dataset_length: int, world_size: int) -> int:
    """One pass over a dataset split across ranks, per rank."""
    return math.ceil(dataset_length / world_size)


def stack_superpixels(maps: Sequence[Optional[Tensor]], height: int,
                      width: int, device) -> Optional[Tensor]:
    """(B, H, W) superpixel ids from per-sample maps (h, w) at the top-left
    of the padded batch; -1 on padding. None when a sample has none."""
    if any(m is None for m in maps):
        return None
    return stack_pixel_maps([m.long() for m in maps], height, width, device,
                            fill=-1)
