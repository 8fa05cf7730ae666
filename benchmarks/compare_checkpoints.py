"""Whether two checkpoints hold the same training state, bit for bit: every
tensor of the model's state dict (segmentor, EMA teacher, discriminator,
labeler and SRT state), the optimizers' states, and the iteration.

It shows that a refactoring left training unchanged: train one config with
one seed before and after the change, single-threaded, and compare::

    OMP_NUM_THREADS=1 python tools/train.py CONFIG --work-dir BEFORE \\
        --cfg-options randomness.seed=0 train_cfg.max_iters=50 \\
        train_cfg.val_interval=1000 default_hooks.checkpoint.interval=50
    (the same after the change into AFTER)
    python benchmarks/compare_checkpoints.py BEFORE/iter_50.pth \\
        AFTER/iter_50.pth

Prints one line per part (how many tensors, how many differ, the largest
difference) and exits 1 when anything differs or a key is in one only.
"""
import argparse
import sys
from collections import defaultdict
from typing import Dict, Iterator, Tuple

import torch

from mmseg_srt.utils import load_checkpoint_safely, require_checkpoints


def tensors(value, prefix: str) -> Iterator[Tuple[str, object]]:
    """(key, leaf) pairs of nested dicts and lists."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from tensors(item, f'{prefix}{key}.')
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from tensors(item, f'{prefix}{i}.')
    else:
        yield prefix.rstrip('.'), value


def state_of(path: str) -> Dict[str, object]:
    checkpoint = load_checkpoint_safely(path)
    state = dict(tensors(checkpoint['state_dict'], 'state_dict.'))
    state.update(tensors(checkpoint.get('optimizer', {}), 'optimizer.'))
    state['meta.iter'] = checkpoint.get('meta', {}).get('iter')
    return state


def part(key: str) -> str:
    """The part a key belongs to: its first two names."""
    return '.'.join(key.split('.')[:2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('reference')
    parser.add_argument('other')
    args = parser.parse_args()
    require_checkpoints([args.reference, args.other])
    reference, other = state_of(args.reference), state_of(args.other)
    only = sorted(set(reference) ^ set(other))
    for key in only:
        print(f'only in {"reference" if key in reference else "other"}: '
              f'{key}')
    counts = defaultdict(lambda: [0, 0, 0.0])
    for key in sorted(set(reference) & set(other)):
        a, b = reference[key], other[key]
        count = counts[part(key)]
        count[0] += 1
        if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
            same = a.shape == b.shape and a.dtype == b.dtype and torch.equal(
                a, b)
            if not same:
                count[1] += 1
                if a.shape == b.shape and a.is_floating_point():
                    count[2] = max(count[2], float((a - b).abs().max()))
        elif a != b:
            count[1] += 1
    for name, (total, differ, largest) in counts.items():
        print(f'{name}: {total} values, {differ} differ'
              + (f' (largest difference {largest:.3g})' if differ else ''))
    differ = sum(c[1] for c in counts.values())
    print('identical' if not differ and not only else
          f'DIFFERENT: {differ} values, {len(only)} keys in one only')
    return 0 if not differ and not only else 1


if __name__ == '__main__':
    sys.exit(main())
