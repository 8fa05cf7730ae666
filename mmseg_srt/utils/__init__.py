from .checkpoint import (UnsafeCheckpointError, load_checkpoint_safely,
                         register_checkpoint_loader, register_safe_globals)
from .dist import prepare_cpu_distributed

__all__ = [
    'UnsafeCheckpointError', 'load_checkpoint_safely',
    'register_checkpoint_loader', 'register_safe_globals',
    'prepare_cpu_distributed'
]
