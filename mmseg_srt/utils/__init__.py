from .checkpoint import (UnsafeCheckpointError, load_checkpoint_safely,
                         register_checkpoint_loader, register_safe_globals,
                         require_checkpoints)
from .dist import close_distributed, prepare_cpu_distributed

__all__ = [
    'UnsafeCheckpointError', 'load_checkpoint_safely',
    'register_checkpoint_loader', 'register_safe_globals',
    'require_checkpoints',
    'close_distributed', 'prepare_cpu_distributed'
]
