"""Superpixel refinement of pseudo labels (paper Algorithm 2, lines 4-17).

A pixel without a pseudo label takes class k when more than 4 of its 8
neighbours carry pseudo label k AND lie in its own superpixel (the window of
line 9 also holds the pixel itself, but it is unlabelled, so it never counts).
Pixels outside the image are no neighbours.

Tie rule: "more than 4 of 8" is a strict majority, so at most one class can
pass line 13; two classes tied at 4 (the only possible tie at the top) leave
the pixel unlabelled. The argmax of line 12 therefore never has to break a
tie that matters.

Order: Algorithm 2 writes ``(y)_hw = N_k`` into the map it reads, in raster
order (h outer, w inner), so a pixel labelled at (h, w) already counts as a
neighbour for the later pixels (h, w+1), (h+1, w-1), (h+1, w) and (h+1, w+1).
``in_place=True`` (default) gives exactly that literal result, vectorised:
every pixel reads its 4 earlier neighbours from the current estimate and its
4 later ones from the initial map, and the update repeats until nothing
changes. The dependencies form a DAG along the raster order, so the fixed
point is unique and equals the sequential loop; each round fixes at least one
more link of the longest dependency chain, and in practice 2-4 rounds settle
(a pixel needs at least one originally labelled later neighbour to reach 5).
``in_place=False`` is the simultaneous reading (every pixel votes on the
initial map), one round.

Everything is torch on the labels' device (GPU when there is one).
"""
import torch
from torch import Tensor

# (dy, dx) of the 8 neighbours; the first 4 come before (h, w) in raster order.
EARLIER_OFFSETS = ((-1, -1), (-1, 0), (-1, 1), (0, -1))
LATER_OFFSETS = ((0, 1), (1, -1), (1, 0), (1, 1))
MAJORITY = 4


def _shifted(x: Tensor, dy: int, dx: int, fill: int) -> Tensor:
    """``out[..., h, w] = x[..., h + dy, w + dx]``, ``fill`` outside."""
    height, width = x.shape[-2:]
    out = torch.full_like(x, fill)
    ys = slice(max(0, -dy), height - max(0, dy))
    xs = slice(max(0, -dx), width - max(0, dx))
    ys_src = slice(max(0, dy), height - max(0, -dy))
    xs_src = slice(max(0, dx), width - max(0, -dx))
    out[..., ys, xs] = x[..., ys_src, xs_src]
    return out


def _vote(earlier: Tensor, later: Tensor, superpixels: Tensor,
          fillable: Tensor, num_classes: int, ignore_index: int) -> Tensor:
    """One round of lines 7-15: the winning class per fillable pixel, or
    ``ignore_index``."""
    votes = torch.zeros((superpixels.shape[0], num_classes + 1) +
                        superpixels.shape[1:],
                        dtype=torch.int16,
                        device=superpixels.device)
    for source, offsets in ((earlier, EARLIER_OFFSETS), (later,
                                                         LATER_OFFSETS)):
        for dy, dx in offsets:
            neighbour = _shifted(source, dy, dx, ignore_index)
            same = _shifted(superpixels, dy, dx, -1) == superpixels
            counts = (neighbour != ignore_index) & same
            # Votes that do not count go to the extra bin ``num_classes``.
            index = torch.where(counts, neighbour.long(),
                                torch.full_like(neighbour, num_classes).long())
            votes.scatter_add_(1, index[:, None],
                               torch.ones_like(index[:, None],
                                               dtype=torch.int16))
    best_count, best_class = votes[:, :num_classes].max(dim=1)
    winner = fillable & (best_count > MAJORITY)
    return torch.where(winner, best_class.to(earlier.dtype),
                       torch.full_like(earlier, ignore_index))


def refine_with_superpixels(labels: Tensor,
                            superpixels: Tensor,
                            num_classes: int,
                            ignore_index: int = 255,
                            in_place: bool = True,
                            max_rounds: int = 10000) -> Tensor:
    """Fill unlabelled pixels by superpixel-restricted 8-neighbour majority.

    Args:
        labels: (B, H, W) or (H, W) integer pseudo labels, ``ignore_index``
            where a pixel has none.
        superpixels: Superpixel ids of the same shape; a negative id marks a
            pixel that must stay as it is (padding) and matches no neighbour.
        num_classes: K.
        ignore_index: The "no pseudo label" value.
        in_place: Algorithm 2's raster-order in-place update (see the module
            docstring); False votes on the initial map only.
        max_rounds: Safety bound on the fixed-point rounds.

    Returns:
        The refined labels, same shape and dtype; labelled pixels unchanged.
    """
    if labels.shape != superpixels.shape:
        raise ValueError(f'labels {tuple(labels.shape)} and superpixels '
                         f'{tuple(superpixels.shape)} differ in shape')
    squeeze = labels.dim() == 2
    dtype = labels.dtype
    if squeeze:
        labels, superpixels = labels[None], superpixels[None]
    labels = labels.long()
    superpixels = superpixels.long()
    fillable = (labels == ignore_index) & (superpixels >= 0)
    filled = _vote(labels, labels, superpixels, fillable, num_classes,
                   ignore_index)
    current = torch.where(fillable, filled, labels)
    if in_place:
        for _ in range(max_rounds):
            filled = _vote(current, labels, superpixels, fillable,
                           num_classes, ignore_index)
            updated = torch.where(fillable, filled, labels)
            if torch.equal(updated, current):
                break
            current = updated
    current = current.to(dtype)
    return current[0] if squeeze else current
