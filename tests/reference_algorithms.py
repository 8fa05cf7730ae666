"""Literal transcriptions of the paper's algorithms, loop for loop, as the
independent references the tests compare our vectorised code with. Nothing
here is imported by the package."""
import math
from typing import List, Sequence

import numpy as np

IGNORE = 255


def algorithm1_thresholds(prob_maps: Sequence[np.ndarray], num_classes: int,
                          portion: float) -> List[float]:
    """Algorithm 1: exp(-lambda_k) for each class, by sorting.

    ``prob_maps``: one (K, H, W) softmax map per target image. Returns None
    for a class that no pixel was predicted as.
    """
    mp = [[] for _ in range(num_classes)]
    for probs in prob_maps:  # line 1
        predicted = probs.argmax(axis=0)  # line 3
        max_probs = probs.max(axis=0)  # line 4
        for k in range(num_classes):  # lines 5-8
            mp[k].extend(max_probs[predicted == k].ravel().tolist())
    thresholds = []
    for k in range(num_classes):  # lines 10-14
        sm = sorted(mp[k])
        if not sm:
            thresholds.append(None)
            continue
        t = min(int((1 - portion) * len(sm)), len(sm) - 1)
        thresholds.append(sm[t])  # exp(-lambda_k) = SM_k[T_k]
    return thresholds


def eq5_labels(probs: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Eq. 5 pixel by pixel: (K, H, W) probabilities -> (H, W) labels."""
    num_classes, height, width = probs.shape
    labels = np.full((height, width), IGNORE, dtype=np.int64)
    for h in range(height):
        for w in range(width):
            ratios = [probs[k, h, w] / thresholds[k]
                      for k in range(num_classes)]
            k = int(np.argmax(ratios))
            if probs[k, h, w] > thresholds[k]:
                labels[h, w] = k
    return labels


def algorithm2_refine(labels: np.ndarray, superpixels: np.ndarray,
                      num_classes: int, in_place: bool = True) -> np.ndarray:
    """Algorithm 2, lines 5-17, for one image. ``in_place`` writes into the
    map it reads, as the pseudocode does; otherwise every pixel reads the
    initial labels."""
    y = labels.copy()
    read = y if in_place else labels
    height, width = y.shape
    for h in range(height):
        for w in range(width):
            if read[h, w] != IGNORE:  # line 7 (labels never change)
                continue
            if superpixels[h, w] < 0:  # padding: never filled
                continue
            c = []
            for k in range(num_classes):
                count = 0
                for x in range(h - 1, h + 2):
                    for yy in range(w - 1, w + 2):
                        if not (0 <= x < height and 0 <= yy < width):
                            continue
                        if read[x, yy] == k and \
                                superpixels[h, w] == superpixels[x, yy]:
                            count += 1
                c.append(count)
            n = int(np.argmax(c))  # line 12
            if c[n] > 4:  # line 13
                y[h, w] = n
    return y


def algorithm3_centroids(batch_centroids: Sequence[np.ndarray],
                         gamma: float) -> np.ndarray:
    """Algorithm 3, lines 9-10 after iteration n = len(batch_centroids):
    sum_x C^x gamma^(n - x)."""
    n = len(batch_centroids)
    total = np.zeros_like(batch_centroids[0], dtype=np.float64)
    for x in range(1, n + 1):
        total += batch_centroids[x - 1] * gamma**(n - x)
    return total


def eq7_loss(source: np.ndarray, target: np.ndarray, alpha: float,
             mu: float, classes: Sequence[int]) -> float:
    """mu * sum_k ||Cs_k - Ct_k||_2^2 + alpha ||Cs_k - Ct_k||_1."""
    total = 0.0
    for k in classes:
        d = source[k] - target[k]
        total += float((d**2).sum()) + alpha * float(np.abs(d).sum())
    return mu * total


def ceil_div(a: int, b: int) -> int:
    return math.ceil(a / b)
