"""Module tricks the adapter's DDP-safe train step needs: unwrap a model
wrapper, freeze a module for a block, run another forward through a
module's (wrapped) call."""
from contextlib import contextmanager

from mmengine.model import is_model_wrapper
from torch import nn


def unwrap(module: nn.Module) -> nn.Module:
    """The module inside a model wrapper (DDP), or ``module`` itself."""
    return module.module if is_model_wrapper(module) else module


@contextmanager
def frozen(module: nn.Module):
    """No gradient for ``module``'s parameters inside the block."""
    flags = [p.requires_grad for p in module.parameters()]
    for p in module.parameters():
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(module.parameters(), flags):
            p.requires_grad_(flag)


@contextmanager
def forward_replaced(module: nn.Module, forward):
    """Make ``module(...)`` run ``forward`` (an instance attribute shadows the
    class's method), so a DDP wrapper around ``module`` runs it with its
    gradient-synchronisation bookkeeping."""
    module.forward = forward
    try:
        yield
    finally:
        del module.forward
