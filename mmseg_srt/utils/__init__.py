from .atomic_io import (AtomicLocalBackend, save_checkpoint_atomically,
                        write_atomically)
from .checkpoint import (CheckpointError, UnsafeCheckpointError,
                         check_checkpoint, checkpoint_problem,
                         last_checkpoint_of, load_checkpoint_safely,
                         newest_whole_checkpoint, register_checkpoint_loader,
                         register_safe_globals, require_checkpoints,
                         resume_candidates)
from .dist import close_distributed, prepare_cpu_distributed

__all__ = [
    'AtomicLocalBackend', 'save_checkpoint_atomically', 'write_atomically',
    'CheckpointError', 'UnsafeCheckpointError', 'check_checkpoint',
    'checkpoint_problem', 'last_checkpoint_of', 'load_checkpoint_safely',
    'newest_whole_checkpoint', 'register_checkpoint_loader',
    'register_safe_globals', 'require_checkpoints', 'resume_candidates',
    'close_distributed', 'prepare_cpu_distributed'
]
