"""(d) The pseudo-label generator's two hot spots.

    python benchmarks/bench_pseudo_labels.py [--height 512 --width 1024]
        [--threads 1] [--load]

1. Superpixel voting (Algorithm 2): our vectorised torch version against a
   literal per-pixel loop written straight from the pseudocode, on one
   512x1024 map with 19 classes and SLIC-sized superpixels. Prints both
   times, the speed-up and whether the outputs are identical.
   Target: identical, and >= 100x faster.
2. Threshold statistics (Algorithm 1): the histogram state's bytes for 19
   classes, which do not depend on the number of images, and the largest
   distance between its thresholds and an exact sort-based Algorithm 1 over
   the same predictions, in bins. Target: < 1 MB, <= 1 bin.

Both measured in this one run, on this machine.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from common import add_runtime_arguments, runtime
from mmseg_srt.models.pseudo_labels import (PseudoLabelGenerator,
                                            refine_with_superpixels)

# The literal loop is the tests' reference, one copy for both.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.reference_algorithms import IGNORE, algorithm2_refine  # noqa: E402,E501


def make_map(height, width, num_classes, rng):
    """Blocky class regions with 40 % holes, and ~1000 grid superpixels
    with jittered borders (the size SLIC gives a 1024x512 frame)."""
    cells = rng.integers(0, num_classes, (height // 32 + 1, width // 32 + 1))
    labels = np.kron(cells, np.ones((32, 32), dtype=np.int64))[:height, :width]
    labels = labels.copy()
    labels[rng.random((height, width)) < 0.4] = IGNORE
    step = int(np.sqrt(height * width / 1000))
    ys = (np.arange(height)[:, None] + rng.integers(0, 3, (height, 1))) // step
    xs = (np.arange(width)[None] + rng.integers(0, 3, (1, width))) // step
    superpixels = ys * (width // step + 2) + xs
    return labels, superpixels


def bench_voting(height, width, num_classes):
    rng = np.random.default_rng(0)
    labels, superpixels = make_map(height, width, num_classes, rng)
    labels_t, superpixels_t = (torch.from_numpy(labels),
                               torch.from_numpy(superpixels))
    refine_with_superpixels(labels_t[:64, :64], superpixels_t[:64, :64],
                            num_classes)  # warm-up
    repeats = 5
    start = time.perf_counter()
    for _ in range(repeats):
        ours = refine_with_superpixels(labels_t, superpixels_t, num_classes)
    ours_time = (time.perf_counter() - start) / repeats
    start = time.perf_counter()
    reference = algorithm2_refine(labels, superpixels, num_classes)
    literal_time = time.perf_counter() - start
    identical = np.array_equal(ours.numpy(), reference)
    filled = int(((labels == IGNORE) & (reference != IGNORE)).sum())
    print(f'superpixel voting, {height}x{width}, {num_classes} classes, '
          f'{int((labels == IGNORE).sum())} unlabelled pixels, {filled} '
          f'filled:')
    print(f'  literal loop {literal_time:8.2f} s')
    print(f'  vectorised   {ours_time:8.4f} s  (torch, '
          f'{torch.get_num_threads()} threads)')
    print(f'  speed-up     {literal_time / ours_time:8.1f}x   identical: '
          f'{identical}')
    return identical


def bench_thresholds(num_classes, num_images, height, width):
    rng = np.random.default_rng(1)
    generator = PseudoLabelGenerator(num_classes=num_classes,
                                     superpixel_refinement=False,
                                     samples_per_epoch=num_images)
    state_bytes = sum(t.numel() * t.element_size()
                      for t in generator.state_dict().values())
    per_class = [[] for _ in range(num_classes)]
    for _ in range(num_images):
        logits = torch.from_numpy(
            rng.normal(size=(1, num_classes, height, width)) *
            rng.uniform(1, 6)).float()
        probs = logits.softmax(1)
        max_probs, predicted = probs.max(dim=1)
        for k in range(num_classes):
            per_class[k].append(max_probs[predicted == k].numpy())
        generator(probs)
    state_after = sum(t.numel() * t.element_size()
                      for t in generator.state_dict().values())
    portion = float(generator.portion)
    worst = 0.0
    for k in range(num_classes):
        values = np.sort(np.concatenate(per_class[k]))
        exact = values[min(int((1 - portion) * len(values)), len(values) - 1)]
        worst = max(
            worst,
            abs(float(generator.class_thresholds[k]) - exact) *
            generator.num_bins)
    print(f'threshold statistics, {num_classes} classes, {num_images} images '
          f'of {height}x{width}:')
    print(f'  state {state_bytes / 1024:.1f} KiB before, '
          f'{state_after / 1024:.1f} KiB after (< 1024 KiB: '
          f'{state_after < 1 << 20}); exact sort held '
          f'{sum(sum(v.nbytes for v in c) for c in per_class) / 2**20:.1f} '
          f'MiB of probabilities')
    print(f'  largest threshold error {worst:.3f} bins (<= 1: {worst <= 1})')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--height', type=int, default=512)
    parser.add_argument('--width', type=int, default=1024)
    parser.add_argument('--classes', type=int, default=19)
    parser.add_argument('--images', type=int, default=20)
    add_runtime_arguments(parser)
    args = parser.parse_args()
    with runtime(args):
        bench_voting(args.height, args.width, args.classes)
        bench_thresholds(args.classes, args.images, args.height // 2,
                         args.width // 2)


if __name__ == '__main__':
    main()
