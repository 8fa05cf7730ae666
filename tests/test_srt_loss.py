"""L_SRT (Eq. 7) and its centroid history (Algorithm 3) against hand-worked
numbers and the literal sums of tests/reference_algorithms.py."""
import numpy as np
import pytest
import torch

from mmseg_srt.models.losses import SRTLoss
from tests.reference_algorithms import (IGNORE, algorithm3_centroids,
                                        eq7_loss)


def hand_case():
    """2 channels, a 2x2 map; labels 0, 0, 1, ignore."""
    features = torch.tensor([[[[1., 3.], [5., 7.]],
                              [[2., 4.], [6., 8.]]]])
    labels = torch.tensor([[[0, 0], [1, IGNORE]]])
    return features, labels


def test_batch_centroids_hand_worked_class_and_all():
    features, labels = hand_case()
    loss = SRTLoss(num_classes=3, feature_channels=2)
    centroids, present = loss.batch_centroids(features, labels)
    # class 0: mean of (1,2) and (3,4); class 1: (5,6); class 2: absent.
    torch.testing.assert_close(centroids,
                               torch.tensor([[2., 3.], [5., 6.], [0., 0.]]))
    assert present.tolist() == [True, True, False]
    loss = SRTLoss(num_classes=3, feature_channels=2, centroid_average='all')
    centroids, _ = loss.batch_centroids(features, labels)
    # Alg. 3 lines 7-8: divide by all 3 labelled pixels.
    torch.testing.assert_close(
        centroids, torch.tensor([[4 / 3, 2.], [5 / 3, 2.], [0., 0.]]))


def test_labels_meet_the_feature_resolution_by_nearest():
    features = torch.arange(8.).reshape(1, 2, 2, 2)
    labels = torch.tensor([[[0, 0, 1, 1],
                            [0, 0, 1, 1],
                            [1, 1, IGNORE, IGNORE],
                            [1, 1, IGNORE, IGNORE]]])
    loss = SRTLoss(num_classes=2, feature_channels=2)
    centroids, _ = loss.batch_centroids(features, labels)
    # Feature pixels: (0,0)->0, (0,1)->1, (1,0)->1, (1,1)->ignore.
    torch.testing.assert_close(
        centroids, torch.tensor([[0., 4.], [1.5, 5.5]]))


def test_thin_class_gets_a_centroid_with_upsampled_features():
    """A one-pixel column of class 1 in an 8x8 label map over 2x2
    features: nearest label downsampling (rows and columns 0 and 4) misses
    it; with the features upsampled by nearest, its 8 pixels lie over
    feature pixels (0, 0) and (1, 0), 4 each."""
    features = torch.arange(8.).reshape(1, 2, 2, 2)
    labels = torch.zeros(1, 8, 8, dtype=torch.long)
    labels[0, :, 1] = 1
    labels[0, 4:, 4:] = IGNORE
    _, present = SRTLoss(2, 2).batch_centroids(features, labels)
    assert present.tolist() == [True, False]
    loss = SRTLoss(2, 2, feature_upsampling='nearest')
    centroids, present = loss.batch_centroids(features, labels)
    assert present.tolist() == [True, True]
    # Class 1: (F[0,0] + F[1,0]) / 2 = ((0 + 2) / 2, (4 + 6) / 2).
    # Class 0: 12 pixels over (0,0), 16 over (0,1), 12 over (1,0).
    torch.testing.assert_close(
        centroids,
        torch.tensor([[(16 * 1 + 12 * 2) / 40, (12 * 4 + 16 * 5 + 12 * 6) /
                       40], [1., 5.]]))


@pytest.mark.parametrize('mode,align_corners', [('nearest', False),
                                                ('bilinear', False),
                                                ('bilinear', True)])
def test_upsampled_centroids_equal_the_literal_upsampling(
        mode, align_corners):
    """Centroids and their gradient against F.interpolate to the labels'
    size followed by a literal per-pixel loop."""
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(2, 3, 3, 5, generator=generator,
                           dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 4, (2, 11, 17), generator=generator)
    labels[labels == 3] = IGNORE
    loss = SRTLoss(3, 3, feature_upsampling=mode,
                   align_corners=align_corners)
    centroids, present = loss.batch_centroids(features, labels)
    kwargs = {} if mode == 'nearest' else dict(align_corners=align_corners)
    fine = torch.nn.functional.interpolate(
        features, size=(11, 17), mode=mode, **kwargs)
    sums = [torch.zeros(3, dtype=torch.float64) for _ in range(3)]
    counts = [0, 0, 0]
    for b in range(2):
        for y in range(11):
            for x in range(17):
                k = int(labels[b, y, x])
                if k != IGNORE:
                    sums[k] = sums[k] + fine[b, :, y, x]
                    counts[k] += 1
    expected = torch.stack([s / max(c, 1) for s, c in zip(sums, counts)])
    torch.testing.assert_close(centroids, expected)
    assert present.tolist() == [c > 0 for c in counts]
    weights = torch.randn(3, 3, generator=generator, dtype=torch.float64)
    (got, ) = torch.autograd.grad((centroids * weights).sum(), features)
    (want, ) = torch.autograd.grad((expected * weights).sum(), features)
    torch.testing.assert_close(got, want)


@pytest.mark.parametrize('channel_reduction,expected', [('sum', 13.0),
                                                         ('mean', 6.5)])
def test_loss_hand_worked(channel_reduction, expected):
    loss = SRTLoss(num_classes=2, feature_channels=2, alpha=0.5,
                   loss_weight=2.0, channel_reduction=channel_reduction)
    source = torch.tensor([[[[1., 1.]], [[0., 0.]]]])  # class 0 at (1, 0)
    target = torch.tensor([[[[3., 3.]], [[-1., -1.]]]])  # class 0 at (3,-1)
    labels = torch.zeros(1, 1, 2, dtype=torch.long)
    value = loss(source, labels, target, labels)
    # d = (-2, 1): ||d||^2 = 5, ||d||_1 = 3 -> 2 * (5 + 0.5 * 3) = 13, or
    # 13 / 2 channels = 6.5; class 1 seen on neither side: skipped.
    assert float(value) == pytest.approx(expected)


@pytest.mark.parametrize('history', ['sum', 'mean'])
def test_recurrence_equals_literal_algorithm3(history):
    rng = np.random.default_rng(0)
    gamma, alpha, mu, num_classes = 0.7, 1.0, 10.0, 3
    loss = SRTLoss(num_classes, 4, gamma=gamma, alpha=alpha, loss_weight=mu,
                   history=history, channel_reduction='sum')
    source_batches, target_batches = [], []
    source_present, target_present = [], []
    for n in range(6):
        source_features = torch.from_numpy(rng.normal(size=(2, 4, 3, 3)))
        target_features = torch.from_numpy(rng.normal(size=(2, 4, 3, 3)))
        source_labels = torch.from_numpy(rng.integers(0, 3, (2, 3, 3)))
        target_labels = torch.from_numpy(rng.integers(0, 3, (2, 3, 3)))
        if n == 2:
            target_labels[target_labels == 1] = IGNORE  # class 1 absent
        value = loss(source_features.float(), source_labels,
                     target_features.float(), target_labels)
        # Reference: per-class means of this batch, by loops.
        for feats, labels, batches, present in (
                (source_features, source_labels, source_batches,
                 source_present),
                (target_features, target_labels, target_batches,
                 target_present)):
            c = np.zeros((num_classes, 4))
            p = np.zeros(num_classes, bool)
            f = feats.numpy().transpose(0, 2, 3, 1).reshape(-1, 4)
            flat = labels.numpy().ravel()
            for k in range(num_classes):
                if (flat == k).any():
                    c[k] = f[flat == k].mean(axis=0)
                    p[k] = True
            batches.append(c)
            present.append(p)
        cs = algorithm3_centroids(source_batches, gamma)
        ct = algorithm3_centroids(target_batches, gamma)
        if history == 'mean':
            ws = algorithm3_centroids([p.astype(float) for p in source_present],
                                      gamma)
            wt = algorithm3_centroids([p.astype(float) for p in target_present],
                                      gamma)
            cs, ct = cs / ws[:, None], ct / wt[:, None]
        torch.testing.assert_close(loss.source_history.double(),
                                   torch.from_numpy(algorithm3_centroids(
                                       source_batches, gamma)),
                                   rtol=1e-5, atol=1e-5)
        expected = eq7_loss(cs, ct, alpha, mu, range(num_classes))
        assert float(value) == pytest.approx(expected, rel=1e-4)


def test_absent_class_keeps_its_decayed_history():
    features, labels = hand_case()
    loss = SRTLoss(num_classes=2, feature_channels=2, gamma=0.5)
    loss(features, labels, features, labels)
    only_class_0 = torch.zeros(1, 2, 2, dtype=torch.long)
    loss(features, only_class_0, features, only_class_0)
    torch.testing.assert_close(loss.source_history[1],
                               0.5 * torch.tensor([5., 6.]))
    assert loss.source_seen.tolist() == [True, True]


def test_never_seen_class_gives_no_nan_and_no_gradient_trouble():
    features = torch.randn(1, 3, 4, 4, requires_grad=True)
    labels = torch.full((1, 4, 4), IGNORE)
    loss = SRTLoss(num_classes=4, feature_channels=3)
    value = loss(features, labels, features, labels)
    assert float(value) == 0.0
    value.backward()
    assert torch.isfinite(features.grad).all()
    for mode in ('sum', 'mean'):
        loss = SRTLoss(num_classes=4, feature_channels=3, history=mode,
                       centroid_average='all')
        labels = torch.zeros(1, 4, 4, dtype=torch.long)
        value = loss(features, labels, features.detach() + 1, labels)
        assert torch.isfinite(value)
        assert torch.isfinite(loss.source_history).all()


def test_gradient_reaches_only_the_current_features():
    loss = SRTLoss(num_classes=2, feature_channels=2, gamma=0.7, alpha=0.,
                   loss_weight=1.0, history='sum', channel_reduction='sum')
    labels = torch.zeros(1, 1, 1, dtype=torch.long)
    old_source = torch.tensor([[[[1.]], [[2.]]]], requires_grad=True)
    old_target = torch.zeros(1, 2, 1, 1, requires_grad=True)
    loss(old_source, labels, old_target, labels)
    source = torch.tensor([[[[3.]], [[1.]]]], requires_grad=True)
    target = torch.zeros(1, 2, 1, 1, requires_grad=True)
    value = loss(source, labels, target, labels)
    value.backward()
    assert old_source.grad is None and old_target.grad is None
    assert not loss.source_history.requires_grad
    # Cs = 0.7 * (1, 2) + (3, 1) = (3.7, 2.4); Ct = 0; dL/dCs = 2 Cs, and
    # dCs/dF (current) = 1.
    torch.testing.assert_close(source.grad.flatten(),
                               torch.tensor([7.4, 4.8]))
    torch.testing.assert_close(target.grad.flatten(),
                               torch.tensor([-7.4, -4.8]))


def test_align_target_leaves_source_features_without_gradient():
    source = torch.tensor([[[[3.]], [[1.]]]], requires_grad=True)
    target = torch.zeros(1, 2, 1, 1, requires_grad=True)
    labels = torch.zeros(1, 1, 1, dtype=torch.long)
    loss = SRTLoss(num_classes=1, feature_channels=2, alpha=0.,
                   loss_weight=1.0, channel_reduction='sum', align='target')
    loss(source, labels, target, labels).backward()
    assert source.grad is None
    # d/dCt ||Cs - Ct||^2 = -2 (Cs - Ct) = (-6, -2).
    torch.testing.assert_close(target.grad.flatten(), torch.tensor([-6.,
                                                                    -2.]))


def test_state_survives_a_state_dict_round_trip():
    features, labels = hand_case()
    loss = SRTLoss(num_classes=2, feature_channels=2)
    loss(features, labels, features * 2, labels)
    restored = SRTLoss(num_classes=2, feature_channels=2)
    restored.load_state_dict(loss.state_dict())
    assert set(loss.state_dict()) == {
        'source_history', 'source_weights', 'source_seen', 'target_history',
        'target_weights', 'target_seen'
    }
    assert float(restored(features, labels, features, labels)) == float(
        loss(features, labels, features, labels))


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='centroid_average'):
        SRTLoss(2, 2, centroid_average='pixels')
    with pytest.raises(ValueError, match='feature_upsampling'):
        SRTLoss(2, 2, feature_upsampling='area')
    with pytest.raises(ValueError, match='feature_channels'):
        SRTLoss(2, 3).batch_centroids(torch.zeros(1, 2, 2, 2),
                                      torch.zeros(1, 2, 2, dtype=torch.long))
