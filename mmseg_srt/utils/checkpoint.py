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

Any other global is refused; :func:`load_checkpoint_safely` turns torch's
message into one that names the file and the offending global.
"""
import os.path as osp
import pickle
import re
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


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds a pickled object outside the allow-list."""


def load_checkpoint_safely(filename: str,
                           map_location: Optional[Union[str,
                                                        Callable]] = None
                           ) -> Any:
    """``torch.load(filename, weights_only=True)`` with a clear refusal.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        UnsafeCheckpointError: the file pickles a global that is not allowed;
            nothing from it was executed.
    """
    register_safe_globals()
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as error:
        message = str(error)
        found = re.search(r'GLOBAL (\S+)', message)
        what = found.group(1) if found else message.splitlines()[0]
        raise UnsafeCheckpointError(
            f'Refusing to load checkpoint {filename}: it contains a pickled '
            f'object that is not a tensor or a known mmengine type ({what}). '
            'Unpickling it could run arbitrary code, so nothing of it was '
            'executed. If you created this file yourself and trust it, '
            're-save only its tensors (e.g. its "state_dict") and load '
            'that instead.') from error


def require_checkpoints(filenames: Iterable[str]) -> None:
    """End the calling tool with one line naming every path in ``filenames``
    that is not a file, so that a tool given several checkpoints stops
    before it builds a model or a dataset or computes anything.

    Raises:
        SystemExit: with ``checkpoint not found: PATH[, PATH ...]``.
    """
    missing = [name for name in filenames if not osp.isfile(name)]
    if missing:
        raise SystemExit(f'checkpoint not found: {", ".join(missing)}')


def _load_from_local(filename: str, map_location=None) -> Any:
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return load_checkpoint_safely(filename, map_location=map_location)


def register_checkpoint_loader() -> None:
    """Route mmengine's local-file checkpoint loading through the safe loader.

    Resume, ``load_from`` and ``init_cfg=dict(type='Pretrained')`` all reach
    ``CheckpointLoader``'s local scheme (the empty prefix).
    """
    CheckpointLoader.register_scheme(prefixes='', force=True)(_load_from_local)
