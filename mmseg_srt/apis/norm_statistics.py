"""Batch-norm statistics of another domain (AdaBN, Li et al. 2016): a
trained segmentor's running means and variances re-estimated on a dataset's
images, no labels read, every other weight unchanged."""
from typing import Iterable, Iterator, List

import torch
from mmengine.dataset import pseudo_collate
from torch import nn

from ..models.utils import batch_norms
from .analysis import segmentor_of


@torch.no_grad()
def estimate_norm_statistics(model: nn.Module,
                             batches: Iterable[List[dict]]) -> int:
    """Replace the running statistics of the segmentor's batch norms by the
    average of the statistics of ``batches`` (lists of dataset items, each
    forwarded as one batch through the backbone and the decode head, as a
    training step would). Each batch counts equally: PyTorch's cumulative
    average (``momentum=None``) of the batch means and unbiased variances.
    Modes and momenta are restored after; returns the number of batches.
    """
    segmentor = segmentor_of(model)
    norms = batch_norms(segmentor)
    if not norms:
        raise ValueError('the segmentor has no batch norm to adapt')
    saved = [(m.training, m.momentum) for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    count = 0
    try:
        for items in batches:
            batch = segmentor.data_preprocessor(pseudo_collate(items), False)
            segmentor.decode_head(segmentor.extract_feat(batch['inputs']))
            count += 1
    finally:
        for m, (mode, momentum) in zip(norms, saved):
            m.train(mode)
            m.momentum = momentum
    if not count:
        raise ValueError('no batch to estimate the statistics from')
    return count


def dataset_batches(dataset, batch_size: int) -> Iterator[List[dict]]:
    """Consecutive batches of ``batch_size`` items of ``dataset``, in order;
    a short last batch is left out (in a cumulative average it would count
    as much as a full one).

    Raises:
        ValueError: ``batch_size`` below 2 (no batch statistics) or above
            the dataset's size.
    """
    if batch_size < 2:
        raise ValueError(f'batch_size must be 2 or more (batch statistics), '
                         f'got {batch_size}')
    if len(dataset) < batch_size:
        raise ValueError(f'the dataset has {len(dataset)} images, fewer than '
                         f'batch_size {batch_size}')
    for start in range(0, len(dataset) - batch_size + 1, batch_size):
        yield [dataset[i] for i in range(start, start + batch_size)]
