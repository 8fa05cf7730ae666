"""Global statistics under DDP, with 2 real gloo processes on CPU: pseudo-label
thresholds (Algorithm 1) and SRT centroids (Algorithm 3) equal on both ranks
and equal to one process that sees all the data."""
import pytest
import os

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mmseg_srt.models.losses import SRTLoss
from mmseg_srt.models.pseudo_labels import PseudoLabelGenerator

WORLD_SIZE = 2
STEPS = 4


def make_data(seed: int = 0):
    """Per step: 4 target probability maps, 4 source and 4 target feature
    maps with labels; rank r takes samples r::2 of each step."""
    rng = np.random.default_rng(seed)
    steps = []
    for _ in range(STEPS):
        logits = torch.from_numpy(rng.normal(size=(4, 3, 6, 7))).float() * 3
        steps.append(
            dict(
                probs=logits.softmax(1),
                source_features=torch.from_numpy(
                    rng.normal(size=(4, 5, 3, 4))).float(),
                target_features=torch.from_numpy(
                    rng.normal(size=(4, 5, 3, 4))).float(),
                source_labels=torch.from_numpy(rng.integers(0, 3,
                                                            (4, 3, 4))),
                target_labels=torch.from_numpy(rng.integers(0, 3,
                                                            (4, 3, 4)))))
    return steps


def run_steps(rank: int, world_size: int):
    generator = PseudoLabelGenerator(
        num_classes=3,
        superpixel_refinement=False,
        samples_per_epoch=6 // world_size)  # epochs end mid-way
    loss = SRTLoss(num_classes=3, feature_channels=5)
    records = []
    for step in make_data():
        part = {k: v[rank::world_size] for k, v in step.items()}
        labels = generator(part['probs'])
        features = part['source_features'].clone().requires_grad_(True)
        value = loss(features, part['source_labels'], part['target_features'],
                     part['target_labels'])
        value.backward()
        records.append(
            dict(
                thresholds=generator.class_thresholds.clone(),
                histograms=generator.histograms.clone(),
                labels=labels,
                loss=value.detach(),
                source_history=loss.source_history.clone(),
                target_history=loss.target_history.clone(),
                grad=features.grad))
    return records


def worker(rank: int, init_file: str, out_dir: str):
    dist.init_process_group(
        'gloo',
        init_method=f'file://{init_file}',
        rank=rank,
        world_size=WORLD_SIZE)
    try:
        torch.save(run_steps(rank, WORLD_SIZE),
                   os.path.join(out_dir, f'rank{rank}.pth'))
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_two_processes_match_one(tmp_path):
    mp.spawn(
        worker,
        args=(str(tmp_path / 'init'), str(tmp_path)),
        nprocs=WORLD_SIZE,
        join=True)
    ranks = [
        torch.load(tmp_path / f'rank{r}.pth', weights_only=True)
        for r in range(WORLD_SIZE)
    ]
    single = run_steps(0, 1)
    for step in range(STEPS):
        for key in ('thresholds', 'histograms', 'loss', 'source_history',
                    'target_history'):
            torch.testing.assert_close(ranks[0][step][key],
                                       ranks[1][step][key])
            torch.testing.assert_close(ranks[0][step][key],
                                       single[step][key])
        # Each rank labels its own samples with the global thresholds.
        for r in range(WORLD_SIZE):
            torch.testing.assert_close(ranks[r][step]['labels'],
                                       single[step]['labels'][r::WORLD_SIZE])
            # DDP averages gradients over ranks: each rank's gradient is
            # world_size times its share of the global loss's gradient.
            torch.testing.assert_close(
                ranks[r][step]['grad'] / WORLD_SIZE,
                single[step]['grad'][r::WORLD_SIZE])
    assert (ranks[0][-1]['thresholds'] < 1).all()  # statistics were real
