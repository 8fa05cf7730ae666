"""Semantic representation transfer loss: class-centroid alignment with an
exponential history (paper Eq. 7, Algorithm 3, Fig. 3).

Features: S2's pixel features, the ASPP head's bottleneck output that its
pixel classifier ``conv_seg`` reads (``HeadOutputs.features``, ``channels``
wide, at the head's resolution, 1/8 or 1/16 of the input). Labels (source
pixel labels, target pseudo labels, ``ignore_index`` where none) meet that
resolution by nearest-neighbour downsampling, as the classifier sees each
feature pixel at one position of the label map (by default; see
``feature_upsampling`` below).

Per class k and iteration n (Algorithm 3):

- batch centroid (lines 7-8): ``c_k^n = sum_{p: y_p = k} F_p / N`` where N is
  the number of labelled pixels of ALL classes (``centroid_average='all'``,
  the paper's ``1 / |x|``), or the class's own pixel count
  (``centroid_average='class'``, a true mean, our default: it keeps a
  centroid's scale independent of how much of the image the class covers, so
  a small lesion and a large background region weigh the same in Eq. 7);
- history (lines 9-10): ``C_k^n = sum_{x<=n} gamma^(n-x) c_k^x``, kept as
  the recurrence ``C_k^n = gamma * C_k^(n-1) + c_k^n``. With
  ``history='sum'`` (literal) C is that weighted sum; with ``history='mean'``
  it is divided by the sum of the weights ``gamma^(n-x)`` of the iterations
  where the class was present (an exponential moving average), which keeps
  source and target centroids on one scale when a class appears in one
  domain's batch more often than in the other's.

A class absent from a batch contributes ``c_k^n = 0`` and keeps its decayed
history. Loss (Eq. 7): ``mu * sum_k ||Cs_k - Ct_k||_2^2 + alpha ||Cs_k -
Ct_k||_1`` over the classes that have a centroid on both sides (a class
never yet seen on either side is skipped, so nothing divides by zero).
Both norms sum over the C feature channels, so the loss's scale grows with
the head's width; ``channel_reduction='mean'`` divides them by C, which makes
mu mean the same for a 64- and a 512-channel head.

With one label per feature pixel, a class thinner than the output stride
(a pole at 1/16) may hold no feature pixel and get no centroid.
``feature_upsampling='nearest'`` or ``'bilinear'`` (not in the paper) takes
the centroids of the features upsampled to the label maps' size instead,
every labelled pixel counting once. The upsampled features are never
formed: upsampling is linear, so a class's feature sum over the fine grid
equals the coarse features weighted by the upsampling's adjoint applied to
the class's mask (its share of each feature pixel's footprint), one
backward pass of ``F.interpolate``.

Gradients flow through the current batch's features only; the history is a
detached buffer, saved in checkpoints and restored on resume.

Defaults: ``history='mean'`` and ``channel_reduction='mean'``; the literal
reading is ``history='sum', channel_reduction='sum'``. The literal sums grow
with the feature width and the class's pixel count, so mu's meaning changes
with the network and the data; the means keep L_SRT on the scale of a
cross-entropy (the measurement is in docs/design.md).

Under DDP the per-class sums and pixel counts are all-reduced before
dividing, so every rank holds the same centroids; the all-reduce is outside
autograd, so each rank's own sum carries ``world_size`` times its gradient,
which DDP's averaging turns into the gradient of the global loss.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.dist import all_reduce, get_world_size
from mmseg.registry import MODELS
from torch import Tensor, nn


def downsample_labels(labels: Tensor, size: Tuple[int, int]) -> Tensor:
    """(B, H, W) integer labels to ``size`` by nearest neighbour."""
    if tuple(labels.shape[-2:]) == tuple(size):
        return labels
    return F.interpolate(
        labels[:, None].float(), size=size, mode='nearest')[:, 0].long()


def class_sums(features: Tensor, labels: Tensor, num_classes: int,
               ignore_index: int) -> Tuple[Tensor, Tensor]:
    """Per-class feature sums (K, C) and pixel counts (K,).

    Args:
        features: (B, C, h, w).
        labels: (B, h, w), ``ignore_index`` (or any value outside [0, K))
            where a pixel has no label.
    """
    channels = features.shape[1]
    flat_features = features.permute(0, 2, 3, 1).reshape(-1, channels)
    flat_labels = labels.reshape(-1).long()
    valid = (flat_labels >= 0) & (flat_labels < num_classes) & (
        flat_labels != ignore_index)
    index = torch.where(valid, flat_labels,
                        torch.full_like(flat_labels, num_classes))
    sums = flat_features.new_zeros(num_classes + 1, channels).index_add(
        0, index, flat_features)
    counts = torch.bincount(index, minlength=num_classes + 1).to(
        flat_features.dtype)
    return sums[:num_classes], counts[:num_classes]


FEATURE_UPSAMPLINGS = (None, 'nearest', 'bilinear')


def upsampled_class_sums(features: Tensor,
                         labels: Tensor,
                         num_classes: int,
                         ignore_index: int,
                         mode: str = 'bilinear',
                         align_corners: bool = False
                         ) -> Tuple[Tensor, Tensor]:
    """:func:`class_sums` of ``features`` upsampled to the labels' size
    (``F.interpolate`` with ``mode``), computed on the coarse grid.

    Args:
        features: (B, C, h, w).
        labels: (B, H, W), ``ignore_index`` (or any value outside [0, K))
            where a pixel has no label.

    Returns:
        Per-class sums (K, C) over the labelled fine pixels and their
        counts (K,).
    """
    labels = labels.long()
    valid = (labels >= 0) & (labels < num_classes) & (labels != ignore_index)
    masks = F.one_hot(labels.masked_fill(~valid, num_classes),
                      num_classes + 1)[..., :num_classes]
    masks = masks.permute(0, 3, 1, 2).to(features.dtype)
    batch, _, height, width = features.shape
    kwargs = {} if mode == 'nearest' else dict(align_corners=align_corners)
    with torch.enable_grad():
        probe = features.new_zeros(
            batch, num_classes, height, width, requires_grad=True)
        upsampled = F.interpolate(
            probe, size=labels.shape[-2:], mode=mode, **kwargs)
        # The adjoint of the (linear) upsampling applied to each mask: how
        # much of every fine pixel of the class each coarse pixel makes.
        (shares, ) = torch.autograd.grad(upsampled, probe, masks)
    sums = torch.einsum('bkhw,bchw->kc', shares, features)
    return sums, masks.sum((0, 2, 3))


@MODELS.register_module()
class SRTLoss(nn.Module):
    """L_SRT (Eq. 7) on exponentially-weighted class centroids (Alg. 3).

    Args:
        num_classes: K.
        feature_channels: C, the width of the pixel features.
        gamma: History decay (paper, medical data: 0.7).
        alpha: Weight of the L1 term (paper: 1).
        loss_weight: mu, the loss's weight in the total (paper: 10).
        centroid_average: ``'class'`` divides a class's feature sum by its
            own pixel count; ``'all'`` by all labelled pixels (Alg. 3, lines
            7-8 as printed).
        history: ``'sum'`` (Alg. 3, lines 9-10 as printed) or ``'mean'``
            (normalised by the weights); see the module docstring.
        channel_reduction: ``'sum'`` over feature channels (Eq. 7 as
            printed) or ``'mean'``.
        align: ``'both'`` (Eq. 7's gradient reaches source and target
            features) or ``'target'``: source centroids are fixed anchors
            (detached) and only target features move toward them.
        feature_upsampling: None: labels downsampled to the features
            (nearest); ``'nearest'`` or ``'bilinear'``: centroids of the
            features upsampled to the labels (see the module docstring).
        align_corners: Of the bilinear upsampling (the decode head's; the
            adapter passes it).
        ignore_index: Label value without a class.
        loss_name: Logged name; must start with ``loss_``.
    """

    def __init__(self,
                 num_classes: int,
                 feature_channels: int,
                 gamma: float = 0.7,
                 alpha: float = 1.0,
                 loss_weight: float = 10.0,
                 centroid_average: str = 'class',
                 history: str = 'mean',
                 channel_reduction: str = 'mean',
                 align: str = 'both',
                 feature_upsampling: Optional[str] = None,
                 align_corners: bool = False,
                 ignore_index: int = 255,
                 loss_name: str = 'loss_srt') -> None:
        super().__init__()
        if centroid_average not in ('class', 'all'):
            raise ValueError("centroid_average must be 'class' or 'all', "
                             f'got {centroid_average!r}')
        if history not in ('sum', 'mean'):
            raise ValueError(
                f"history must be 'sum' or 'mean', got {history!r}")
        if channel_reduction not in ('sum', 'mean'):
            raise ValueError("channel_reduction must be 'sum' or 'mean', "
                             f'got {channel_reduction!r}')
        if align not in ('both', 'target'):
            raise ValueError(f"align must be 'both' or 'target', got {align!r}")
        if feature_upsampling not in FEATURE_UPSAMPLINGS:
            raise ValueError(f'feature_upsampling must be one of '
                             f'{FEATURE_UPSAMPLINGS}, got '
                             f'{feature_upsampling!r}')
        if not 0.0 <= gamma < 1.0:
            raise ValueError(f'gamma must be in [0, 1), got {gamma}')
        self.num_classes = num_classes
        self.feature_channels = feature_channels
        self.gamma = gamma
        self.alpha = alpha
        self.loss_weight = loss_weight
        self.centroid_average = centroid_average
        self.history = history
        self.channel_reduction = channel_reduction
        self.align = align
        self.feature_upsampling = feature_upsampling
        self.align_corners = align_corners
        self.ignore_index = ignore_index
        self._loss_name = loss_name
        for domain in ('source', 'target'):
            self.register_buffer(f'{domain}_history',
                                 torch.zeros(num_classes, feature_channels))
            self.register_buffer(f'{domain}_weights',
                                 torch.zeros(num_classes))
            self.register_buffer(f'{domain}_seen',
                                 torch.zeros(num_classes, dtype=torch.bool))
        # The last forward's centroid distance per class (not state).
        self.centroid_distances: Optional[Tensor] = None

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def batch_centroids(self, features: Tensor,
                        labels: Tensor) -> Tuple[Tensor, Tensor]:
        """Alg. 3, lines 7-8: this batch's centroids (K, C), all-reduced
        over ranks, and which classes it holds (K,)."""
        if features.shape[1] != self.feature_channels:
            raise ValueError(
                f'SRTLoss expects {self.feature_channels}-channel features '
                f'(feature_channels), got {features.shape[1]}')
        if self.feature_upsampling is None:
            sums, counts = class_sums(
                features, downsample_labels(labels, features.shape[-2:]),
                self.num_classes, self.ignore_index)
        else:
            sums, counts = upsampled_class_sums(
                features, labels, self.num_classes, self.ignore_index,
                self.feature_upsampling, self.align_corners)
        world_size = get_world_size()
        if world_size > 1:
            global_sums = sums.detach().clone()
            all_reduce(global_sums, op='sum')
            all_reduce(counts, op='sum')
            sums = global_sums + world_size * (sums - sums.detach())
        present = counts > 0
        if self.centroid_average == 'class':
            denominators = counts.clamp(min=1)
        else:
            denominators = counts.sum().clamp(min=1).expand_as(counts)
        return sums / denominators[:, None], present

    def _accumulate(self, domain: str, centroids: Tensor,
                    present: Tensor) -> Tuple[Tensor, Tensor]:
        """Alg. 3, lines 9-10 for one domain; updates the buffers and returns
        the (differentiable) centroids and which classes have one."""
        history = getattr(self, f'{domain}_history')
        weights = getattr(self, f'{domain}_weights')
        seen = getattr(self, f'{domain}_seen')
        accumulated = self.gamma * history + centroids
        new_weights = self.gamma * weights + present.to(weights.dtype)
        new_seen = seen | present
        history.copy_(accumulated.detach())
        weights.copy_(new_weights)
        seen.copy_(new_seen)
        if self.history == 'mean':
            accumulated = accumulated / new_weights.clamp(
                min=torch.finfo(new_weights.dtype).tiny)[:, None]
        return accumulated, new_seen

    def forward(self, source_features: Tensor, source_labels: Tensor,
                target_features: Tensor, target_labels: Tensor) -> Tensor:
        """Eq. 7 after one step of Algorithm 3 (updates the history).

        Args:
            source_features, target_features: (B, C, h, w) pixel features.
            source_labels, target_labels: (B, H, W) labels (pixel labels,
                pseudo labels), ``ignore_index`` where none.
        """
        if self.align == 'target':
            source_features = source_features.detach()
        source, source_seen = self._accumulate(
            'source', *self.batch_centroids(source_features, source_labels))
        target, target_seen = self._accumulate(
            'target', *self.batch_centroids(target_features, target_labels))
        both = source_seen & target_seen
        # For the training curves: ||C^s_k - C^t_k||_2, nan where a class
        # has no centroid in one of the domains yet.
        self.centroid_distances = torch.where(
            both, (source - target).detach().norm(dim=1),
            torch.full_like(both, float('nan'), dtype=source.dtype))
        difference = (source - target)[both]
        loss = (difference.pow(2).sum() +
                self.alpha * difference.abs().sum())
        if self.channel_reduction == 'mean':
            loss = loss / self.feature_channels
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return (f'num_classes={self.num_classes}, '
                f'feature_channels={self.feature_channels}, '
                f'gamma={self.gamma}, alpha={self.alpha}, '
                f'loss_weight={self.loss_weight}, '
                f'centroid_average={self.centroid_average!r}, '
                f'history={self.history!r}, '
                f'channel_reduction={self.channel_reduction!r}, '
                f'align={self.align!r}, '
                f'feature_upsampling={self.feature_upsampling!r}')
