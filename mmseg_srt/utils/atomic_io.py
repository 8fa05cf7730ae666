"""Files written whole: a checkpoint (or any file) is written to a hidden
``.NAME.part`` beside it, flushed to disk and renamed over ``NAME``, so that
a process killed at any moment, or a disk that fills up, leaves either the
old file or the new one, never a file cut short.

:class:`AtomicLocalBackend` is mmengine's local file backend with that
``put``; it is registered as ``atomic_local``, so any mmengine writer that
takes ``backend_args`` (``CheckpointHook``, ``runner.save_checkpoint``)
writes whole with ``backend_args=dict(backend='atomic_local')``.
"""
import os
import os.path as osp
from pathlib import Path
from typing import Any, BinaryIO, Callable, Union

import torch
from mmengine.fileio import LocalBackend, register_backend


def write_atomically(filename: Union[str, Path],
                     write: Callable[[BinaryIO], Any]) -> None:
    """Call ``write`` on a temporary file beside ``filename``, then rename it
    to ``filename``. The temporary is ``.NAME.part``: one per target, so a
    part left by a killed writer is replaced by the next write of the same
    file, and never ends in the name of the file it was to become."""
    filename = osp.abspath(str(filename))
    folder = osp.dirname(filename)
    os.makedirs(folder, exist_ok=True)
    partial = osp.join(folder, f'.{osp.basename(filename)}.part')
    try:
        with open(partial, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, filename)
    except BaseException:
        if osp.exists(partial):
            os.remove(partial)
        raise
    if hasattr(os, 'O_DIRECTORY'):  # POSIX: make the rename itself durable
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def save_checkpoint_atomically(checkpoint: Any,
                               filename: Union[str, Path]) -> None:
    """``torch.save(checkpoint, filename)``, written whole."""
    write_atomically(filename, lambda f: torch.save(checkpoint, f))


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose ``put`` and ``put_text`` write
    whole (:func:`write_atomically`)."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        write_atomically(filepath, lambda f: f.write(obj))

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        self.put(obj.encode(encoding), filepath)
