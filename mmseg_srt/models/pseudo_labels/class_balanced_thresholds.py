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
"""
import torch
from torch import Tensor

#: Threshold of a class that no pixel was predicted as: no pseudo label of
#: that class until it is predicted again (Eq. 5 needs P_k > threshold).
EMPTY_CLASS_THRESHOLD = 1.0


def accumulate_histograms(histograms: Tensor, max_probs: Tensor,
                          predicted: Tensor) -> None:
    """Add pixels to ``histograms`` (K, num_bins), in place.

    Args:
        histograms: Per-class counts of maximum probabilities.
        max_probs: (N,) maximum class probability of each pixel (Alg. 1, M_j).
        predicted: (N,) the argmax class of each pixel (Alg. 1, L_j).
    """
    num_classes, num_bins = histograms.shape
    bins = (max_probs * num_bins).long().clamp_(0, num_bins - 1)
    flat = predicted.long() * num_bins + bins
    histograms += torch.bincount(
        flat, minlength=num_classes * num_bins).view_as(histograms).to(
            histograms.dtype)


def rank_of_portion(length: int, portion: float) -> int:
    """0-based index into the ascending sort: ``(1 - p) * length`` (Alg. 1,
    line 12), floored and kept inside the list."""
    return min(int((1.0 - portion) * length), length - 1)


def threshold_from_histogram(histogram: Tensor, portion: float) -> float:
    """exp(-lambda) for one histogram (num_bins,): the lower edge of the bin
    holding the element of rank ``(1 - p) * length``."""
    length = int(histogram.sum())
    if length == 0:
        return EMPTY_CLASS_THRESHOLD
    rank = rank_of_portion(length, portion)
    cumulative = histogram.cumsum(0)
    bin_index = int(torch.searchsorted(cumulative, rank, right=True))
    return bin_index / histogram.numel()


def thresholds_from_histograms(histograms: Tensor, portion: float,
                               class_balanced: bool = True) -> Tensor:
    """Thresholds exp(-lambda_k) for all K classes (K,).

    With ``class_balanced=False`` (the paper's woCB ablation) one threshold,
    from all pixels of all classes together, serves every class.
    """
    if class_balanced:
        values = [threshold_from_histogram(h, portion) for h in histograms]
    else:
        values = [threshold_from_histogram(histograms.sum(0), portion)
                  ] * len(histograms)
    return torch.tensor(values, dtype=torch.float32)

