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
4 later ones from the initial map. Labels are only ever added, and a pixel
once labelled keeps its class (5 of 8 votes leave at most 3 for any other
class), so the update can run in rounds: the first round votes for every
unlabelled pixel, each later round only for the unlabelled pixels that a
label of the previous round follows in raster order, until a round adds
nothing. Each round extends the sequential loop's dependency chains by one
link, so the result equals the loop's. ``in_place=False`` is the
simultaneous reading (every pixel votes on the initial map), one round.

Votes: of the 8 neighbour labels of a pixel (a neighbour outside the image,
in another superpixel or unlabelled casts none), a class with 5 or more is a
strict majority, so Boyer-Moore's majority vote (8 elementwise steps) finds
the only candidate, which is then counted. The first round runs densely on
shifted views of a padded map; later rounds gather the neighbours of their
few active pixels from the flattened map. Nothing is per class, so the cost does
not grow with K.

Everything is torch on the labels' device (GPU when there is one).
"""
import torch
from torch import Tensor

# (dy, dx) of the 8 neighbours; the first 4 come before (h, w) in raster order.
EARLIER_OFFSETS = ((-1, -1), (-1, 0), (-1, 1), (0, -1))
LATER_OFFSETS = ((0, 1), (1, -1), (1, 0), (1, 1))
MAJORITY = 4
NO_VOTE = -1


def _majority(votes) -> Tensor:
    """The value cast more than 4 times among the 8 ``votes`` (tensors of
    one shape), else NO_VOTE; Boyer-Moore's vote, then a count."""
    candidate = torch.full_like(votes[0], NO_VOTE)
    count = torch.zeros_like(votes[0])
    for vote in votes:
        empty = count == 0
        candidate = torch.where(empty, vote, candidate)
        count = torch.where(empty | (vote == candidate), count + 1, count - 1)
    total = torch.zeros_like(count)
    for vote in votes:
        total += vote == candidate
    return torch.where((total > MAJORITY) & (candidate != NO_VOTE), candidate,
                       NO_VOTE)


def _dense_votes(earlier: Tensor, later: Tensor, superpixels: Tensor
                 ) -> Tensor:
    """Votes of every pixel of (B, H+2, W+2) padded maps, for the inner
    (B, H, W) pixels."""
    height, width = earlier.shape[1] - 2, earlier.shape[2] - 2
    own = superpixels[:, 1:-1, 1:-1]
    votes = []
    for source, offsets in ((earlier, EARLIER_OFFSETS), (later,
                                                         LATER_OFFSETS)):
        for dy, dx in offsets:
            window = (slice(None), slice(1 + dy, 1 + dy + height),
                      slice(1 + dx, 1 + dx + width))
            votes.append(
                torch.where(superpixels[window] == own, source[window],
                            NO_VOTE))
    return _majority(votes)


def _sparse_votes(pixels: Tensor, earlier: Tensor, later: Tensor,
                  superpixels: Tensor, earlier_steps: Tensor,
                  later_steps: Tensor) -> Tensor:
    """Votes of ``pixels`` (indices into the flattened padded maps)."""
    own = superpixels[pixels]
    votes = []
    for source, steps in ((earlier, earlier_steps), (later, later_steps)):
        for step in steps.tolist():
            neighbours = pixels + step
            votes.append(
                torch.where(superpixels[neighbours] == own,
                            source[neighbours], NO_VOTE))
    return _majority(votes)


def refine_with_superpixels(labels: Tensor,
                            superpixels: Tensor,
                            num_classes: int,
                            ignore_index: int = 255,
                            in_place: bool = True) -> Tensor:
    """Fill unlabelled pixels by superpixel-restricted 8-neighbour majority.

    Args:
        labels: (B, H, W) or (H, W) integer pseudo labels, ``ignore_index``
            where a pixel has none.
        superpixels: Superpixel ids of the same shape; a negative id marks a
            pixel that must stay as it is (padding) and matches no neighbour.
        num_classes: K (labels outside [0, K) other than ``ignore_index``
            are an error).
        ignore_index: The "no pseudo label" value.
        in_place: Algorithm 2's raster-order in-place update (see the module
            docstring); False votes on the initial map only.

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
    batch, height, width = labels.shape
    unlabelled = labels == ignore_index
    lowest, highest = torch.aminmax(labels.masked_fill(unlabelled, 0))
    if bool(lowest < 0) or bool(highest >= num_classes):
        raise ValueError(f'labels must lie in [0, {num_classes}) or be '
                         f'{ignore_index}')
    # One pixel of padding around every image: a neighbour outside the image
    # is a padded pixel, whose superpixel (-2) matches nobody.
    padded_shape = (batch, height + 2, width + 2)
    # int16 votes: less memory traffic than int64 (int8 measured slower).
    vote_dtype = torch.int16
    initial = torch.full(padded_shape, NO_VOTE, dtype=vote_dtype,
                         device=labels.device)
    initial[:, 1:-1, 1:-1] = labels.to(vote_dtype).masked_fill(
        unlabelled, NO_VOTE)
    padded_superpixels = torch.full(padded_shape, -2, dtype=torch.int32,
                                    device=labels.device)
    padded_superpixels[:, 1:-1, 1:-1] = superpixels.to(torch.int32)
    fillable = torch.zeros(padded_shape, dtype=torch.bool,
                           device=labels.device)
    fillable[:, 1:-1, 1:-1] = unlabelled & (superpixels >= 0)

    # Round 1 (the whole of the simultaneous reading).
    won = torch.zeros_like(initial)
    won[:, 1:-1, 1:-1] = _dense_votes(initial, initial, padded_superpixels)
    new_mask = fillable & (won != NO_VOTE)
    current = torch.where(new_mask, won, initial).flatten()
    if in_place:
        flat_fillable = (fillable & ~new_mask).flatten()
        flat_superpixels = padded_superpixels.flatten()
        flat_initial = initial.flatten()
        padded_width = width + 2
        earlier_steps = torch.tensor(
            [dy * padded_width + dx for dy, dx in EARLIER_OFFSETS])
        later_steps = torch.tensor(
            [dy * padded_width + dx for dy, dx in LATER_OFFSETS],
            device=labels.device)
        new = torch.nonzero(new_mask.flatten()).flatten()
        while new.numel():
            # Only pixels that follow a new label in raster order can change;
            # gather them (duplicates vote twice, identically).
            followers = (new[:, None] + later_steps[None]).flatten()
            pixels = followers[flat_fillable[followers]]
            won = _sparse_votes(pixels, current, flat_initial,
                                flat_superpixels, earlier_steps, later_steps)
            new = pixels[won != NO_VOTE]
            current[new] = won[won != NO_VOTE]
            flat_fillable[new] = False
    current = current.view(padded_shape)[:, 1:-1, 1:-1]
    result = current.to(dtype).masked_fill_(current == NO_VOTE, ignore_index)
    return result[0] if squeeze else result
