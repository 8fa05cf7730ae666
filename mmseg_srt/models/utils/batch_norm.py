"""Batch norms that normalise with the batch's own statistics inside a
block, whatever mode the model is in (the teacher's ``'batch'`` norm
statistics, the norm-statistics tools)."""
from contextlib import contextmanager
from typing import List

from torch import nn


def batch_norms(model: nn.Module) -> List[nn.modules.batchnorm._BatchNorm]:
    """Every batch norm of ``model``."""
    return [
        m for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]


@contextmanager
def batch_norm_statistics(model: nn.Module):
    """Within the block, the batch norms of ``model`` normalise with each
    batch's own statistics, as in a training step, while the rest keeps its
    mode (an eval-mode model keeps dropout off). Their running statistics
    are neither used nor updated (``track_running_stats`` is off inside the
    block, so nothing is copied); modes and flags are restored after."""
    norms = batch_norms(model)
    flags = [(m.training, m.track_running_stats) for m in norms]
    for m in norms:
        m.train()
        m.track_running_stats = False
    try:
        yield model
    finally:
        for m, (mode, track) in zip(norms, flags):
            m.train(mode)
            m.track_running_stats = track
