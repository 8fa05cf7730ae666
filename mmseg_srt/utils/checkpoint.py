"""Load mmengine checkpoints with ``torch.load(weights_only=True)``.

Since torch 2.6, ``torch.load`` refuses every pickled global that is not on an
allow-list. mmengine's own checkpoints (``message_hub`` in the resume state)
carry a few: ``HistoryBuffer``, numpy arrays, scalars and dtypes, and
``getattr`` (protocol-2 pickles of ``HistoryBuffer.min`` and friends are
``getattr(HistoryBuffer, 'min')``). This module allow-lists exactly those, so resume and ``load_from``
work without ``weights_only=False``.

``builtins.getattr`` is never allowed as such: reached from any allowed class
it walks to ``__globals__`` and from there to ``os.system``. It is mapped to
:func:`history_buffer_getattr`, which only returns HistoryBuffer's registered
statistics methods.

Any other global is refused; :func:`check_checkpoint` finds a refused global,
a file cut short or a file that is no checkpoint before anything is unpickled,
in one line that names the file.
"""
import os
import os.path as osp
import pickle
import re
import zipfile
from typing import Any, Callable, Iterable, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

# numpy moved ``numpy.core`` to ``numpy._core`` in 2.0; checkpoints written
# under either name are read. ``_reconstruct`` rebuilds arrays, ``scalar``
# numpy scalars (logged values under DDP); their contents still go through
# this allow-list.
_NUMPY_MULTIARRAY_MODULES = ('numpy._core.multiarray', 'numpy.core.multiarray')
# Plain numeric and boolean dtypes only: an object dtype would let a pickle
# rebuild arbitrary Python objects inside an array.
_NUMPY_DTYPE_NAMES = ('BoolDType', 'Int8DType', 'Int16DType', 'Int32DType',
                      'Int64DType', 'UInt8DType', 'UInt16DType',
                      'UInt32DType', 'UInt64DType', 'Float16DType',
                      'Float32DType', 'Float64DType', 'LongDType',
                      'ULongDType', 'LongLongDType', 'ULongLongDType',
                      'ByteDType', 'UByteDType', 'ShortDType', 'UShortDType',
                      'IntDType', 'UIntDType')


def history_buffer_getattr(obj: Any, name: str) -> Callable:
    """The only ``getattr`` a checkpoint may call: HistoryBuffer statistics.

    Raises:
        pickle.UnpicklingError: for any other object or attribute.
    """
    allowed = set(HistoryBuffer._statistics_methods) | {
        'min', 'max', 'current', 'mean'
    }
    if obj is HistoryBuffer and name in allowed:
        method = getattr(HistoryBuffer, name)
        if callable(method) and getattr(method, '__qualname__',
                                        '').startswith('HistoryBuffer.'):
            return method
    raise pickle.UnpicklingError(
        f'refused getattr({obj!r}, {name!r}): a checkpoint may only look up '
        'HistoryBuffer statistics methods')


def mmengine_safe_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """The globals mmengine's own checkpoints need, for ``add_safe_globals``."""
    reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]
    scalar = np.float64(0).__reduce__()[0]
    safe: List[Union[Callable, Tuple[Callable, str]]] = [
        HistoryBuffer,
        (np.ndarray, 'numpy.ndarray'),
        (np.dtype, 'numpy.dtype'),
        (history_buffer_getattr, 'builtins.getattr'),
    ]
    for module in _NUMPY_MULTIARRAY_MODULES:
        safe += [(reconstruct, f'{module}._reconstruct'),
                 (scalar, f'{module}.scalar')]
    dtypes = getattr(np, 'dtypes', None)  # numpy >= 1.25
    for name in _NUMPY_DTYPE_NAMES:
        dtype_class = getattr(dtypes, name, None)
        if dtype_class is not None:
            safe.append((dtype_class, f'numpy.dtypes.{name}'))
    return safe


def register_safe_globals() -> None:
    """Allow-list :func:`mmengine_safe_globals` (idempotent)."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is not None:  # torch < 2.4 has no allow-list
        add_safe_globals(mmengine_safe_globals())


class CheckpointError(RuntimeError):
    """A file that cannot be read as a checkpoint: cut short, damaged or not
    a checkpoint at all. The message is one line that names the file."""


class UnsafeCheckpointError(CheckpointError):
    """A checkpoint holds a pickled object outside the allow-list."""


# torch.save has written a zip archive since torch 1.6; before, a pickle.
_ZIP_MAGIC = b'PK\x03\x04'
_PICKLE_PROTOCOL = b'\x80'


def _unsafe_message(filename: str, what: str) -> str:
    return (f'Refusing to load checkpoint {filename}: it contains a pickled '
            f'object that is not a tensor or a known mmengine type ({what}). '
            'Unpickling it could run arbitrary code, so nothing of it was '
            'executed. If you created this file yourself and trust it, '
            're-save only its tensors (e.g. its "state_dict") and load '
            'that instead.')


def check_checkpoint(filename: str) -> None:
    """Check, without unpickling anything, that ``filename`` is a whole
    checkpoint that :func:`load_checkpoint_safely` may read: it exists, its
    zip archive has its end (a write that was interrupted leaves none),
    holds torch's ``data.pkl``, and pickles no global outside the
    allow-list. Reads the archive's directory and ``data.pkl`` only, not
    the tensors. A pre-1.6 pickle checkpoint is left to the load.

    Raises:
        FileNotFoundError: ``checkpoint not found: FILE``.
        CheckpointError: cut short, empty, or not a checkpoint.
        UnsafeCheckpointError: a pickled global outside the allow-list.
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    size = osp.getsize(filename)
    if size == 0:
        raise CheckpointError(f'checkpoint {filename} is empty (0 bytes)')
    with open(filename, 'rb') as f:
        head = f.read(len(_ZIP_MAGIC))
    if head.startswith(_PICKLE_PROTOCOL):
        return
    if head != _ZIP_MAGIC and _ZIP_MAGIC.startswith(head):
        raise CheckpointError(
            f'checkpoint {filename} is cut short: {size} bytes, the start '
            'of a zip archive (its write was interrupted)')
    if head != _ZIP_MAGIC:
        raise CheckpointError(
            f'{filename} is not a checkpoint: torch.save writes a zip '
            f'archive (or, before torch 1.6, a pickle), this file begins '
            f'with {head!r}')
    try:
        with zipfile.ZipFile(filename) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        raise CheckpointError(
            f'checkpoint {filename} is cut short: {size} bytes of a zip '
            'archive without its end (its write was interrupted)') from None
    if not any(name.rsplit('/', 1)[-1] == 'data.pkl' for name in names):
        raise CheckpointError(
            f'{filename} is not a checkpoint: a zip archive without the '
            'data.pkl that torch.save writes')
    find_unsafe = getattr(torch.serialization,
                          'get_unsafe_globals_in_checkpoint', None)
    if find_unsafe is None:  # torch < 2.5: the load refuses them
        return
    register_safe_globals()
    try:
        unsafe = find_unsafe(filename)
    except Exception as error:
        raise CheckpointError(
            f'checkpoint {filename} is damaged: '
            f'{_first_line(error)}') from None
    if unsafe:
        raise UnsafeCheckpointError(_unsafe_message(filename, unsafe[0]))


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def load_checkpoint_safely(filename: str,
                           map_location: Optional[Union[str,
                                                        Callable]] = None
                           ) -> Any:
    """``torch.load(filename, weights_only=True)`` after
    :func:`check_checkpoint`, with one-line errors that name the file.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        CheckpointError: cut short, damaged or not a checkpoint.
        UnsafeCheckpointError: the file pickles a global that is not allowed;
            nothing from it was executed.
    """
    check_checkpoint(filename)
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as error:
        # refused by the allow-list (a global, or a getattr that
        # history_buffer_getattr refused) or a damaged pickle
        found = re.search(r'GLOBAL (\S+)|(refused getattr\(.*?\))',
                          str(error))
        if found is None:
            raise CheckpointError(f'checkpoint {filename} is damaged: '
                                  f'{_first_line(error)}') from error
        raise UnsafeCheckpointError(
            _unsafe_message(filename, found.group(1)
                            or found.group(2))) from error
    except (RuntimeError, EOFError, ValueError) as error:
        raise CheckpointError(f'checkpoint {filename} is damaged: '
                              f'{_first_line(error)}') from error


def checkpoint_problem(filename: str) -> Optional[str]:
    """What :func:`check_checkpoint` finds wrong with ``filename``, in one
    line naming it, or None for a whole checkpoint."""
    try:
        check_checkpoint(filename)
    except (FileNotFoundError, CheckpointError) as error:
        return str(error)
    return None


def require_checkpoints(filenames: Iterable[str]) -> None:
    """End the calling tool with one line for each of ``filenames`` that is
    not a whole checkpoint (:func:`check_checkpoint`: missing, cut short,
    not a checkpoint, unsafe), so that a tool given several checkpoints
    stops before it builds a model or a dataset or computes anything.

    Raises:
        SystemExit: e.g. ``checkpoint not found: PATH``.
    """
    problems = [checkpoint_problem(name) for name in filenames]
    problems = [problem for problem in problems if problem is not None]
    if problems:
        raise SystemExit('\n'.join(problems))


# iter_N.pth / epoch_N.pth, CheckpointHook's default names
_NUMBERED_CHECKPOINT = re.compile(r'^(?:iter|epoch)_(\d+)\.pth$')


def last_checkpoint_of(work_dir: str) -> Optional[str]:
    """The checkpoint ``work_dir``'s ``last_checkpoint`` file names
    (mmengine writes it after each save), or None."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        return f.read().strip() or None


def resume_candidates(work_dir: str) -> List[str]:
    """The checkpoints a ``--resume`` of ``work_dir`` may start from, best
    first: the one its ``last_checkpoint`` names, then ``iter_N.pth`` /
    ``epoch_N.pth`` in ``work_dir``, highest N first."""
    named = last_checkpoint_of(work_dir)
    candidates = [named] if named else []
    numbered = []
    for name in os.listdir(work_dir) if osp.isdir(work_dir) else []:
        found = _NUMBERED_CHECKPOINT.match(name)
        if found:
            numbered.append((int(found.group(1)), osp.join(work_dir, name)))
    for _, path in sorted(numbered, reverse=True):
        if named is None or osp.abspath(path) != osp.abspath(named):
            candidates.append(path)
    return candidates


def newest_whole_checkpoint(work_dir: str) -> Tuple[Optional[str], List[str]]:
    """The first of :func:`resume_candidates` that passes
    :func:`check_checkpoint`, or None, and one line for each candidate
    passed over."""
    passed_over = []
    for candidate in resume_candidates(work_dir):
        problem = checkpoint_problem(candidate)
        if problem is None:
            return candidate, passed_over
        passed_over.append(problem)
    return None, passed_over


def _load_from_local(filename: str, map_location=None) -> Any:
    return load_checkpoint_safely(
        osp.expanduser(filename), map_location=map_location)


def register_checkpoint_loader() -> None:
    """Route mmengine's local-file checkpoint loading through the safe loader.

    Resume, ``load_from`` and ``init_cfg=dict(type='Pretrained')`` all reach
    ``CheckpointLoader``'s local scheme (the empty prefix).
    """
    CheckpointLoader.register_scheme(prefixes='', force=True)(_load_from_local)
