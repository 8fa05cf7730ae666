"""Class-balanced confidence thresholds from streamed statistics (paper
Algorithm 1).

Algorithm 1 sorts, per class k, the maximum probability of every target pixel
predicted as k, and takes the value ranked at ``(1 - p) * length`` as
``exp(-lambda_k)``. Sorting all pixels of a dataset costs memory that grows
with the dataset (Cityscapes: 3k images x 2M pixels). We keep instead a
histogram of those probabilities per class, ``num_bins`` equal bins over
[0, 1]: memory ``K x num_bins`` counts whatever the number of images, and the
threshold is the lower edge of the bin that holds the element of rank
``floor((1 - p) * length)`` of the ascending sort, so it lies within one bin
width below the exact answer. Histograms add up, so under DDP an all-reduce
(sum) gives every rank the statistics of the whole set.

Softmax confidences of a trained segmentor crowd near 1, where equal bins
over [0, 1] cannot tell 0.9991 from 0.99999: the threshold sticks at the top
bin's lower edge and no longer selects a portion p. ``scale='log'`` (not in
the paper) bins ``-log(1 - P)`` instead, equal bins over [0,
``LOG_CONFIDENCE_MAX``], so that each bin spans the same *ratio* of
``1 - P``: with 1000 bins a threshold's ``1 - exp(-lambda)`` is within 1.7 %
of the exact one at any confidence a float32 softmax can express.
"""
import math
from typing import Optional, Tuple

import torch
from torch import Tensor

#: Threshold of a class that no pixel was predicted as: no pseudo label of
#: that class until it is predicted again (Eq. 5 needs P_k > threshold).
EMPTY_CLASS_THRESHOLD = 1.0
#: -log(1 - P) of the largest float32 below 1 (1 - 2^-24): the top of the
#: log scale. Saturated confidences (P == 1.0) land in the top bin.
LOG_CONFIDENCE_MAX = 24 * math.log(2)
SCALES = ('linear', 'log')


def _check_scale(scale: str) -> None:
    if scale not in SCALES:
        raise ValueError(f'histogram scale must be one of {SCALES}, got '
                         f'{scale!r}')


def confidence_bins(max_probs: Tensor, num_bins: int,
                    scale: str = 'linear') -> Tensor:
    """The bin of each confidence: equal bins of P over [0, 1] (``linear``,
    Algorithm 1's values) or of ``-log(1 - P)`` (``log``)."""
    _check_scale(scale)
    if scale == 'linear':
        positions = max_probs
    else:
        complement = (1.0 - max_probs.double()).clamp_(min=2.0**-24)
        positions = -torch.log(complement) / LOG_CONFIDENCE_MAX
    return (positions * num_bins).long().clamp_(0, num_bins - 1)


def bin_lower_edge(index: int, num_bins: int, scale: str = 'linear') -> float:
    """The confidence P at the lower edge of bin ``index``."""
    _check_scale(scale)
    if scale == 'linear':
        return index / num_bins
    return 1.0 - math.exp(-index / num_bins * LOG_CONFIDENCE_MAX)


def class_maxima(probs: Tensor, valid: Optional[Tensor] = None
                 ) -> Tuple[Tensor, Tensor]:
    """The maximum probability (Alg. 1, M_j) and the argmax class (L_j) of
    every pixel of (B, K, H, W) ``probs``, flattened to (N,); a pixel outside
    ``valid`` (B, H, W) gets class K, which :func:`accumulate_histograms` and
    :func:`pass_shares_of_maxima` count nowhere (no copy of the valid
    pixels is made)."""
    max_probs, predicted = probs.max(dim=1)
    if valid is not None:
        predicted = predicted.masked_fill(~valid, probs.shape[1])
    return max_probs.flatten(), predicted.flatten()


def accumulate_histograms(histograms: Tensor,
                          max_probs: Tensor,
                          predicted: Tensor,
                          scale: str = 'linear') -> None:
    """Add pixels to ``histograms`` (K, num_bins), in place.

    Args:
        histograms: Per-class counts of maximum probabilities.
        max_probs: (N,) maximum class probability of each pixel (Alg. 1, M_j).
        predicted: (N,) the argmax class of each pixel (Alg. 1, L_j); class
            K marks a pixel to leave out (:func:`class_maxima`).
        scale: What the bins are equal in: ``linear`` P or ``log``
            ``-log(1 - P)``.
    """
    num_classes, num_bins = histograms.shape
    bins = confidence_bins(max_probs, num_bins, scale)
    flat = predicted.long() * num_bins + bins
    counts = torch.bincount(flat, minlength=(num_classes + 1) * num_bins)
    histograms += counts[:num_classes * num_bins].view_as(histograms).to(
        histograms.dtype)


def rank_of_portion(length: int, portion: float) -> int:
    """0-based index into the ascending sort: ``(1 - p) * length`` (Alg. 1,
    line 12), floored and kept inside the list."""
    return min(int((1.0 - portion) * length), length - 1)


def threshold_from_histogram(histogram: Tensor,
                             portion: float,
                             scale: str = 'linear') -> float:
    """exp(-lambda) for one histogram (num_bins,): the lower edge of the bin
    holding the element of rank ``(1 - p) * length``."""
    length = int(histogram.sum())
    if length == 0:
        return EMPTY_CLASS_THRESHOLD
    rank = rank_of_portion(length, portion)
    cumulative = histogram.cumsum(0)
    bin_index = int(torch.searchsorted(cumulative, rank, right=True))
    return bin_lower_edge(bin_index, histogram.numel(), scale)


def thresholds_from_histograms(histograms: Tensor,
                               portion: float,
                               class_balanced: bool = True,
                               scale: str = 'linear') -> Tensor:
    """Thresholds exp(-lambda_k) for all K classes (K,).

    With ``class_balanced=False`` (the paper's woCB ablation) one threshold,
    from all pixels of all classes together, serves every class.
    """
    if class_balanced:
        values = [
            threshold_from_histogram(h, portion, scale) for h in histograms
        ]
    else:
        values = [
            threshold_from_histogram(histograms.sum(0), portion, scale)
        ] * len(histograms)
    return torch.tensor(values, dtype=torch.float32)


def pass_shares(probs: Tensor, thresholds: Tensor,
                valid: Tensor = None) -> Tensor:
    """Per class k, the share of the pixels predicted as k whose P_k exceeds
    ``thresholds[k]`` (what Algorithm 1 means to be p); NaN for a class no
    pixel is predicted as. ``probs`` (B, K, H, W), ``valid`` (B, H, W)."""
    return pass_shares_of_maxima(*class_maxima(probs, valid), thresholds)


def pass_counts_of_maxima(max_probs: Tensor, predicted: Tensor,
                          thresholds: Tensor) -> Tuple[Tensor, Tensor]:
    """Per class k, how many pixels predicted as k pass ``thresholds[k]``
    and how many are predicted as k (``class_maxima``'s output; class K is
    left out): (K,) and (K,) integer counts."""
    num_classes = len(thresholds)
    # Class K's threshold: +inf, so its pixels never pass; dropped below.
    extended = torch.cat([
        thresholds.to(max_probs),
        max_probs.new_full((1, ), float('inf'))
    ])
    passed = max_probs > extended[predicted]
    counts = torch.bincount(
        predicted.long() * 2 + passed, minlength=2 * (num_classes + 1))
    counts = counts[:2 * num_classes].view(num_classes, 2)
    return counts[:, 1], counts.sum(1)


def pass_shares_of_maxima(max_probs: Tensor, predicted: Tensor,
                          thresholds: Tensor) -> Tensor:
    """:func:`pass_shares` of :func:`class_maxima`'s output (class K: left
    out)."""
    return shares_of_counts(
        *pass_counts_of_maxima(max_probs, predicted, thresholds))


def shares_of_counts(passed: Tensor, total: Tensor) -> Tensor:
    """``passed / total`` per class as float64; NaN where ``total`` is 0."""
    passed, total = passed.double(), total.double()
    return torch.where(total > 0, passed / total.clamp(min=1),
                       torch.full_like(total, float('nan')))
