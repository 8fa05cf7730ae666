"""Pseudo labels (Eq. 5, Algorithms 1-2) against literal loops from the
paper (tests/reference_algorithms.py) and hand-worked cases."""
import math

import numpy as np
import pytest
import torch

from mmseg_srt.models.pseudo_labels import (PseudoLabelGenerator,
                                            pass_shares,
                                            refine_with_superpixels,
                                            thresholds_from_histograms)
from mmseg_srt.models.pseudo_labels.class_balanced_thresholds import (
    LOG_CONFIDENCE_MAX, accumulate_histograms)
from tests.reference_algorithms import (IGNORE, algorithm1_thresholds,
                                        algorithm2_refine, eq5_labels)


def random_probs(rng, num_images, num_classes, height, width, sharpness=3.):
    logits = rng.normal(size=(num_images, num_classes, height, width))
    logits *= rng.uniform(0.5, sharpness, size=(num_images, 1, 1, 1))
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def random_case(rng, height=24, width=30, num_classes=4, blocks=5):
    """Pseudo labels with holes and block superpixels with random merges."""
    labels = rng.integers(0, num_classes, (height, width))
    # Make labels locally coherent so that majorities occur.
    labels = np.repeat(np.repeat(labels[::3, ::3], 3, 0), 3, 1)[:height, :width]
    labels = labels.copy()
    labels[rng.random((height, width)) < rng.uniform(0.2, 0.6)] = IGNORE
    ys = np.arange(height)[:, None] * blocks // height
    xs = np.arange(width)[None] * blocks // width
    superpixels = ys * blocks + xs
    superpixels = np.where(rng.random((height, width)) < 0.05,
                           rng.integers(0, blocks * blocks, (height, width)),
                           superpixels)
    return labels, superpixels


# ---------------------------------------------------------------- Algorithm 2
@pytest.mark.parametrize('seed', range(12))
def test_refinement_equals_literal_algorithm2(seed):
    rng = np.random.default_rng(seed)
    labels, superpixels = random_case(rng, num_classes=3 + seed % 3)
    num_classes = 3 + seed % 3
    expected = algorithm2_refine(labels, superpixels, num_classes)
    got = refine_with_superpixels(
        torch.from_numpy(labels), torch.from_numpy(superpixels), num_classes)
    np.testing.assert_array_equal(got.numpy(), expected)
    simultaneous = algorithm2_refine(
        labels, superpixels, num_classes, in_place=False)
    got = refine_with_superpixels(
        torch.from_numpy(labels),
        torch.from_numpy(superpixels),
        num_classes,
        in_place=False)
    np.testing.assert_array_equal(got.numpy(), simultaneous)


@pytest.mark.parametrize('hole_ratio', [0.3, 0.7])
def test_refinement_equals_literal_on_a_larger_map(hole_ratio):
    """Long propagation chains: rounds run dense first, then sparse."""
    rng = np.random.default_rng(7)
    height, width, num_classes = 60, 90, 7
    cells = rng.integers(0, num_classes, (height // 6 + 1, width // 6 + 1))
    labels = np.kron(cells, np.ones((6, 6), dtype=np.int64))[:height, :width]
    labels = labels.copy()
    labels[rng.random((height, width)) < hole_ratio] = IGNORE
    superpixels = (np.arange(height)[:, None] // 15) * 10 + \
        np.arange(width)[None] // 15
    expected = algorithm2_refine(labels, superpixels, num_classes)
    got = refine_with_superpixels(
        torch.from_numpy(labels), torch.from_numpy(superpixels), num_classes)
    np.testing.assert_array_equal(got.numpy(), expected)


def test_refinement_batched_and_padding_untouched():
    rng = np.random.default_rng(0)
    cases = [random_case(rng) for _ in range(3)]
    labels = np.stack([c[0] for c in cases])
    superpixels = np.stack([c[1] for c in cases])
    superpixels[:, -4:] = -1  # padding rows
    labels[:, -4:] = IGNORE
    got = refine_with_superpixels(
        torch.from_numpy(labels), torch.from_numpy(superpixels), 4)
    for i in range(3):
        np.testing.assert_array_equal(
            got[i].numpy(), algorithm2_refine(labels[i], superpixels[i], 4))
    assert (got[:, -4:] == IGNORE).all()


def test_in_place_order_matters_hand_worked():
    """A 3x4 map where the raster-order in-place update labels a pixel that
    the simultaneous reading leaves empty.

    Row 1 col 1 (x) sees labelled 0s at 5 neighbours only after its left
    neighbour (row 1 col 0, filled first in raster order) is labelled.
    """
    I = IGNORE  # noqa: E741
    labels = np.array([[0, 0, 0, I],
                       [I, I, I, I],
                       [0, 0, I, I]])
    superpixels = np.zeros_like(labels)
    # (1,0): neighbours (0,0),(0,1),(1,1)=I,(2,0),(2,1) -> 4 zeros: no.
    # Simultaneously (1,1): (0,0),(0,1),(0,2),(1,0)=I,(1,2)=I,(2,0),(2,1),
    # (2,2)=I -> 5 zeros: labelled. Then (1,2) in place sees (0,1),(0,2),
    # (1,1)=0 now,(2,1) -> 4... and (0,3)=I.
    literal = algorithm2_refine(labels, superpixels, 1)
    simultaneous = algorithm2_refine(labels, superpixels, 1, in_place=False)
    assert literal[1, 1] == 0 and simultaneous[1, 1] == 0
    got = refine_with_superpixels(
        torch.from_numpy(labels), torch.from_numpy(superpixels), 1)
    np.testing.assert_array_equal(got.numpy(), literal)
    # A case where the two readings differ: a chain along a row.
    labels = np.array([[0, 0, 0, 0, 0],
                       [I, I, I, I, I],
                       [0, 0, 0, 0, 0]])
    superpixels = np.zeros_like(labels)
    literal = algorithm2_refine(labels, superpixels, 1)
    simultaneous = algorithm2_refine(labels, superpixels, 1, in_place=False)
    # Simultaneous: (1,0) has 4 labelled neighbours, the inner ones 6.
    np.testing.assert_array_equal(simultaneous[1], [I, 0, 0, 0, I])
    # In place: (1,4) also counts its left neighbour (1,3) -> 5.
    np.testing.assert_array_equal(literal[1], [I, 0, 0, 0, 0])
    for in_place, expected in ((True, literal), (False, simultaneous)):
        got = refine_with_superpixels(
            torch.from_numpy(labels),
            torch.from_numpy(superpixels),
            1,
            in_place=in_place)
        np.testing.assert_array_equal(got.numpy(), expected)


def test_refinement_tie_and_superpixel_boundary():
    """4 votes of class 0 and 4 of class 1: no strict majority, no label.
    Votes from another superpixel do not count."""
    I = IGNORE  # noqa: E741
    labels = np.array([[0, 0, 1],
                       [0, I, 1],
                       [0, 1, 1]])
    got = refine_with_superpixels(
        torch.from_numpy(labels), torch.zeros(3, 3, dtype=torch.long), 2)
    assert int(got[1, 1]) == IGNORE
    assert algorithm2_refine(labels, np.zeros((3, 3), int), 2)[1, 1] == IGNORE
    labels = np.array([[0, 0, 0],
                       [0, I, 0],
                       [1, 1, 1]])
    superpixels = np.zeros((3, 3), int)
    got = refine_with_superpixels(
        torch.from_numpy(labels), torch.from_numpy(superpixels), 2)
    assert int(got[1, 1]) == 0  # 5 zeros
    superpixels[0, 0] = 7  # one zero now lies in another superpixel
    got = refine_with_superpixels(
        torch.from_numpy(labels), torch.from_numpy(superpixels), 2)
    assert int(got[1, 1]) == IGNORE


# ---------------------------------------------------------------- Algorithm 1
@pytest.mark.parametrize('portion', [0.25, 0.4, 0.55, 1.0])
def test_histogram_thresholds_within_one_bin_of_algorithm1(portion):
    rng = np.random.default_rng(1)
    num_classes, num_bins = 5, 200
    probs = random_probs(rng, 6, num_classes, 20, 25)
    probs[:, 4] = 0  # class 4 is never predicted
    probs /= probs.sum(axis=1, keepdims=True)
    exact = algorithm1_thresholds(list(probs), num_classes, portion)
    histograms = torch.zeros(num_classes, num_bins, dtype=torch.long)
    for image in torch.from_numpy(probs):  # streamed image by image
        max_probs, predicted = image.max(dim=0)
        accumulate_histograms(histograms, max_probs.flatten(),
                              predicted.flatten())
    got = thresholds_from_histograms(histograms, portion)
    for k in range(num_classes):
        if exact[k] is None:
            assert got[k] == 1.0  # no pseudo labels for that class
        else:
            assert got[k] <= exact[k] < got[k] + 1 / num_bins + 1e-6, k


def _saturated_probs(rng, images=4, height=30, width=40):
    """Two-class maps whose confidences crowd in [0.999, 1): 1 - P spread
    log-uniformly over 1e-3 .. 1e-7, as a trained model's are."""
    complement = 10.0**-rng.uniform(3, 7, size=(images, height, width))
    lesion = rng.random((images, height, width)) < 0.3
    confident = 1.0 - complement
    probs = np.stack([np.where(lesion, complement, confident),
                      np.where(lesion, confident, complement)], axis=1)
    return probs.astype(np.float32)


@pytest.mark.parametrize('portion', [0.25, 0.55])
def test_log_histogram_matches_an_exact_sort_on_saturated_confidences(
        portion):
    """On confidences in [0.999, 1) Algorithm 1's linear bins put every
    threshold at 0.999 (every pixel passes, whatever p); the log bins give
    the exact sort's threshold to within one bin, i.e. 1 - P within
    exp(LOG_CONFIDENCE_MAX / num_bins) = 1.7 %, and pass p of each class."""
    rng = np.random.default_rng(3)
    probs = _saturated_probs(rng)
    exact = algorithm1_thresholds(list(probs), 2, portion)
    num_bins = 1000
    got = {}
    for scale in ('linear', 'log'):
        histograms = torch.zeros(2, num_bins, dtype=torch.long)
        for image in torch.from_numpy(probs):
            max_probs, predicted = image.max(dim=0)
            accumulate_histograms(histograms, max_probs.flatten(),
                                  predicted.flatten(), scale)
        got[scale] = thresholds_from_histograms(histograms, portion,
                                                scale=scale)
    assert torch.allclose(got['linear'], torch.tensor(0.999))
    ratio = math.exp(LOG_CONFIDENCE_MAX / num_bins)
    for k in range(2):
        # the lower edge of the bin that holds the exact answer: 1 - P of
        # the threshold is at most one bin's ratio above the exact one
        # (float32 spacing near 1 adds up to 6e-8 either way)
        low, high = 1 - float(exact[k]), 1 - float(got['log'][k])
        assert low - 6e-8 <= high <= low * ratio + 6e-8, k
    tensor = torch.from_numpy(probs)
    for scale, tolerance in (('linear', None), ('log', 0.01)):
        shares = pass_shares(tensor, got[scale])
        if tolerance is None:
            assert (shares > 0.99).all()  # p is not what passes
        else:
            assert torch.allclose(shares, torch.full((2, ), portion,
                                                     dtype=shares.dtype),
                                  atol=tolerance)


def test_pass_shares_by_hand():
    # 1 image, 2 classes, 4 pixels: predicted 0, 0, 0, 1 with confidences
    # 0.9, 0.6, 0.8 (class 0) and 0.7 (class 1); thresholds 0.75, 0.75
    probs = torch.tensor([[[[0.9, 0.6], [0.8, 0.3]],
                           [[0.1, 0.4], [0.2, 0.7]]]])
    shares = pass_shares(probs, torch.tensor([0.75, 0.75]))
    assert torch.allclose(shares, torch.tensor([2 / 3, 0.0],
                                               dtype=shares.dtype))
    valid = torch.tensor([[[True, True], [False, True]]])
    shares = pass_shares(probs, torch.tensor([0.75, 0.5]), valid)
    assert torch.allclose(shares, torch.tensor([0.5, 1.0],
                                               dtype=shares.dtype))
    assert torch.isnan(pass_shares(probs[:, :, :1, :1],
                                   torch.tensor([0.5, 0.5]))[1])


def test_generator_shares_and_statistics_leave_padding_out_by_hand():
    """The probs of test_pass_shares_by_hand with its padded pixel: the
    generator's pass shares are those of the thresholds its labels used, and
    its histograms count the 3 real pixels only (a padded pixel of any
    confidence is in no bin)."""
    probs = torch.tensor([[[[0.9, 0.6], [0.8, 0.3]],
                           [[0.1, 0.4], [0.2, 0.7]]]])
    valid = torch.tensor([[[True, True], [False, True]]])
    generator = PseudoLabelGenerator(
        num_classes=2, num_bins=10, superpixel_refinement=False,
        samples_per_epoch=100)
    generator(probs, valid=valid)
    assert generator.pass_shares is None  # no thresholds yet
    # Bins of width 0.1: 0.9 -> bin 9, 0.6 -> bin 6 (class 0); 0.7 -> bin 7
    # (class 1); the padded 0.8 nowhere.
    expected = torch.zeros(2, 10)
    expected[0, 9] = expected[0, 6] = expected[1, 7] = 1
    assert torch.equal(generator.histograms.float(), expected)
    generator.epoch.fill_(1)
    generator.class_thresholds.copy_(torch.tensor([0.75, 0.5]))
    generator(probs, valid=valid)
    assert torch.allclose(generator.pass_shares,
                          torch.tensor([0.5, 1.0],
                                       dtype=generator.pass_shares.dtype))
    # Real pixels predicted as 0: 0.9 and 0.6; as 1: 0.7.
    assert generator.predicted_pixels.tolist() == [2, 1]


def test_generator_with_log_scale_keeps_p_on_saturated_confidences():
    """The generator, fed saturated maps for one epoch, then labels p of the
    next epoch's pixels of each class: the linear reading labels all."""
    rng = np.random.default_rng(4)
    probs = torch.from_numpy(_saturated_probs(rng, images=8))
    for scale, expected in (('log', 0.25), ('linear', 1.0)):
        generator = PseudoLabelGenerator(
            num_classes=2, superpixel_refinement=False,
            histogram_scale=scale, samples_per_epoch=8)
        generator(probs)  # epoch 0: statistics only
        labels = generator(probs, observe=False)
        labelled = (labels != IGNORE).double().mean()
        assert abs(float(labelled) - expected) < 0.01, scale
    with pytest.raises(ValueError, match='histogram_scale'):
        PseudoLabelGenerator(num_classes=2, histogram_scale='sqrt')


def test_silent_class_keeps_its_threshold_only_when_asked():
    """Epoch 0 predicts both classes; epoch 1 only class 0. By hand: class
    1's threshold after epoch 1 is the empty 1.0 (no label ever again), or
    with keep_silent_thresholds its epoch-0 value."""
    both = torch.tensor([[[[0.9, 0.2]], [[0.1, 0.8]]]])  # (1, 2, 1, 2)
    only_normal = torch.tensor([[[[0.9, 0.7]], [[0.1, 0.3]]]])
    for keep in (False, True):
        generator = PseudoLabelGenerator(
            num_classes=2, superpixel_refinement=False, num_bins=10,
            samples_per_epoch=1, keep_silent_thresholds=keep)
        generator(both)
        # one pixel per class: rank 0 -> the lower edges of bins 9 and 8
        assert generator.class_thresholds.tolist() == pytest.approx(
            [0.9, 0.8])
        generator(only_normal)
        assert float(generator.class_thresholds[1]) == pytest.approx(
            0.8 if keep else 1.0)
        # class 0: 0.7, 0.9 at p = 30 %: rank int(0.7 * 2) = 1 -> 0.9
        assert float(generator.class_thresholds[0]) == pytest.approx(0.9)


def _two_class_maps(rng, low, high, images=2, size=20):
    """Class 0 everywhere, its confidence uniform in [low, high)."""
    confidence = rng.uniform(low, high, size=(images, size, size))
    return torch.from_numpy(
        np.stack([confidence, 1 - confidence], axis=1).astype(np.float32))


def test_running_statistics_follow_a_model_that_moved():
    """Epoch 0's confidences lie in [0.5, 0.7), epoch 1's in [0.8, 1.0):
    the model grew more confident. Thresholds of the previous epoch (the
    paper's) then pass every pixel of epoch 1 instead of p = 25 %; running
    statistics with a short memory pass p again within a few steps."""
    shares = {}
    for statistics in ('epoch', 'running'):
        rng = np.random.default_rng(5)
        generator = PseudoLabelGenerator(
            num_classes=2, superpixel_refinement=False,
            samples_per_epoch=40, statistics=statistics, running_samples=4)
        for _ in range(20):  # epoch 0: 20 steps of 2 images
            generator(_two_class_maps(rng, 0.5, 0.7))
        assert float(generator.portion) == pytest.approx(0.25)
        passed = []
        for _ in range(10):  # the first half of epoch 1
            probs = _two_class_maps(rng, 0.8, 1.0)
            passed.append(float(pass_shares(
                probs, generator.class_thresholds)[0]))
            generator(probs)
        shares[statistics] = passed
    assert all(share == 1.0 for share in shares['epoch'])
    # after 4 steps (8 samples, twice the memory) the old confidences weigh
    # e^-2 of the counts... and after 10 steps almost nothing
    assert abs(shares['running'][-1] - 0.25) < 0.05
    assert shares['running'][0] == 1.0  # the first step still lags


def test_running_statistics_equal_a_literal_decayed_sort():
    """The running thresholds against a literal reference: every pixel
    seen so far, weighted by exp(-samples since / memory), sorted, and
    the weighted (1 - p) quantile taken (within one bin)."""
    rng = np.random.default_rng(6)
    generator = PseudoLabelGenerator(
        num_classes=2, superpixel_refinement=False, num_bins=1000,
        samples_per_epoch=6, statistics='running', running_samples=3)
    seen = []  # (step, confidences of class 0)
    for step in range(10):
        probs = _two_class_maps(rng, 0.5 + 0.03 * step, 0.6 + 0.03 * step)
        generator(probs)
        seen.append((step, probs[:, 0].flatten().numpy()))
    # epochs of 3 steps (6 samples, 2 per step) end at steps 2, 5, 8 with
    # p = 25, 30, 35 %; step 9 recomputes at 35 %. A batch's counts decay
    # by exp(-2 / 3) at every later step.
    assert float(generator.portion) == pytest.approx(0.35)
    values = np.concatenate([v for _, v in seen])
    weights = np.concatenate([
        np.full(v.size, math.exp(-2 * (9 - step) / 3)) for step, v in seen
    ])
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    rank = int(0.65 * int(cumulative[-1]))
    exact = values[order][np.searchsorted(cumulative, rank, side='right')]
    got = float(generator.class_thresholds[0])
    assert got <= exact < got + 1 / 1000 + 1e-6


def test_global_threshold_for_wocb():
    rng = np.random.default_rng(2)
    probs = random_probs(rng, 3, 3, 10, 10)
    histograms = torch.zeros(3, 500, dtype=torch.long)
    for image in torch.from_numpy(probs):
        max_probs, predicted = image.max(dim=0)
        accumulate_histograms(histograms, max_probs.flatten(),
                              predicted.flatten())
    got = thresholds_from_histograms(histograms, 0.3, class_balanced=False)
    all_max = sorted(probs.max(axis=1).ravel().tolist())
    exact = all_max[int(0.7 * len(all_max))]
    assert (got == got[0]).all()
    assert got[0] <= exact < got[0] + 1 / 500 + 1e-6


def test_statistics_memory_is_fixed():
    generator = PseudoLabelGenerator(num_classes=19)
    state_bytes = sum(t.numel() * t.element_size()
                      for t in generator.state_dict().values())
    assert state_bytes < 1 << 20
    before = generator.histograms.shape
    generator.samples_per_epoch = 10**9
    generator.observe(torch.rand(2, 19, 64, 64).softmax(1))
    assert generator.histograms.shape == before


# ---------------------------------------------------------------- Eq. 5
def test_eq5_hand_worked():
    """Class 1 wins by ratio although class 0 has the larger probability."""
    generator = PseudoLabelGenerator(num_classes=3, superpixel_refinement=False)
    generator.epoch.fill_(1)
    generator.class_thresholds.copy_(torch.tensor([0.9, 0.3, 0.5]))
    probs = torch.tensor([
        [0.60, 0.35, 0.05],  # 0.67, 1.17, 0.1 -> class 1
        [0.95, 0.04, 0.01],  # 1.06 -> class 0
        [0.50, 0.25, 0.25],  # 0.56, 0.83, 0.5 -> none
        [0.10, 0.30, 0.60],  # 0.11, 1.0 (not >), 1.2 -> class 2
    ]).T.reshape(1, 3, 1, 4)
    labels = generator.assign(probs)
    assert labels.tolist() == [[[1, 0, IGNORE, 2]]]
    expected = eq5_labels(probs[0].numpy(), [0.9, 0.3, 0.5])
    np.testing.assert_array_equal(labels[0].numpy(), expected)


def test_eq5_equals_literal_loop_and_respects_padding():
    rng = np.random.default_rng(3)
    probs = torch.from_numpy(random_probs(rng, 2, 4, 9, 11))
    generator = PseudoLabelGenerator(num_classes=4, superpixel_refinement=False)
    generator.epoch.fill_(1)
    thresholds = [0.55, 0.7, 0.4, 0.9]
    generator.class_thresholds.copy_(torch.tensor(thresholds))
    valid = torch.ones(2, 9, 11, dtype=torch.bool)
    valid[1, 6:] = False
    labels = generator.assign(probs, valid)
    for i in range(2):
        expected = eq5_labels(probs[i].numpy(), thresholds)
        if i == 1:
            expected[6:] = IGNORE
        np.testing.assert_array_equal(labels[i].numpy(), expected)


def test_image_labels_option_masks_absent_classes():
    generator = PseudoLabelGenerator(
        num_classes=2, superpixel_refinement=False, use_image_labels=True)
    generator.epoch.fill_(1)
    generator.class_thresholds.fill_(0.5)
    probs = torch.tensor([[0.1, 0.9]]).T.reshape(1, 2, 1, 1).repeat(2, 1, 1, 1)
    labels = generator.assign(probs, image_labels=torch.tensor([[1., 1.],
                                                                [1., 0.]]))
    assert labels.flatten().tolist() == [1, IGNORE]


def test_image_label_veto_spares_unknown_classes():
    """Three pixels whose best class is 1 (P 0.9 over a 0.5 threshold), one
    image each: class 1 present, absent, and unknown. Absent vetoes class 1
    and the pixel falls to class 0 only if class 0 passes its own threshold
    (it does not: 0.1 < 0.5); unknown vetoes nothing."""
    generator = PseudoLabelGenerator(
        num_classes=2, superpixel_refinement=False, use_image_labels=True)
    generator.epoch.fill_(1)
    generator.class_thresholds.fill_(0.5)
    probs = torch.tensor([[0.1, 0.9]]).T.reshape(1, 2, 1, 1).repeat(3, 1, 1, 1)
    labels = generator.assign(
        probs,
        image_labels=torch.tensor([[1., 1.], [1., 0.], [1., 0.]]),
        image_label_weights=torch.tensor([[1., 1.], [1., 1.], [1., 0.]]))
    assert labels.flatten().tolist() == [1, IGNORE, 1]


# ---------------------------------------------------------------- schedule
def test_first_epoch_has_no_labels_then_p_rises_per_epoch_to_its_cap():
    rng = np.random.default_rng(4)
    generator = PseudoLabelGenerator(
        num_classes=3,
        superpixel_refinement=False,
        samples_per_epoch=5,
        num_bins=1000)
    epochs = [torch.from_numpy(random_probs(rng, 5, 3, 8, 8))
              for _ in range(9)]
    seen_portions = []
    for e, probs in enumerate(epochs):
        for i in range(0, 5, 2):  # batches 2, 2, 1
            labels = generator(probs[i:i + 2])
            if e == 0:
                assert (labels == IGNORE).all()
            else:
                assert (labels != IGNORE).any()
        # The epoch just ended: thresholds come from THIS epoch's images at
        # p = 25% + 5% * e, capped at 55%.
        portion = min(0.25 + 0.05 * e, 0.55)
        seen_portions.append(round(float(generator.portion), 4))
        exact = algorithm1_thresholds(list(probs.numpy()), 3, portion)
        for k in range(3):
            assert generator.class_thresholds[k] <= exact[k] < \
                generator.class_thresholds[k] + 1e-3 + 1e-6
        assert int(generator.epoch) == e + 1
    assert seen_portions == [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.55,
                             0.55]


def test_warmup_delays_the_first_labels_and_p_schedule():
    """warmup_samples=11 with epochs of 5: 3 epochs without labels (the
    third reaches 15 >= 11), thresholds from the third epoch's images alone
    at p = 25 %, then +5 % per epoch: the paper's schedule shifted by two
    epochs."""
    rng = np.random.default_rng(7)
    generator = PseudoLabelGenerator(
        num_classes=3,
        superpixel_refinement=False,
        samples_per_epoch=5,
        warmup_samples=11)
    assert generator.warmup_epochs == 3
    portions = []
    for e in range(5):
        probs = torch.from_numpy(random_probs(rng, 5, 3, 8, 8))
        labels = generator(probs)
        assert (labels == IGNORE).all() == (e < 3)
        portions.append(round(float(generator.portion), 4))
        if e == 2:
            exact = algorithm1_thresholds(list(probs.numpy()), 3, 0.25)
            for k in range(3):
                assert generator.class_thresholds[k] <= exact[k] < \
                    generator.class_thresholds[k] + 1e-3 + 1e-6
    assert portions == [0.0, 0.0, 0.25, 0.3, 0.35]
    with pytest.raises(ValueError, match='warmup_samples'):
        PseudoLabelGenerator(num_classes=2, warmup_samples=-1)


def test_epoch_counts_whole_batches_and_carries_the_rest():
    generator = PseudoLabelGenerator(
        num_classes=2, superpixel_refinement=False, samples_per_epoch=5)
    probs = torch.rand(4, 2, 4, 4).softmax(1)
    generator(probs)
    assert int(generator.epoch) == 0
    generator(probs)  # 8 >= 5: the epoch ends, 3 samples carry over
    assert int(generator.epoch) == 1 and int(generator.samples_seen) == 3


def test_missing_epoch_length_and_superpixels_raise_clear_errors():
    generator = PseudoLabelGenerator(num_classes=2)
    with pytest.raises(RuntimeError, match='PseudoLabelHook'):
        generator(torch.rand(1, 2, 4, 4).softmax(1))
    generator.samples_per_epoch = 1
    generator.epoch.fill_(1)
    with pytest.raises(ValueError, match='SuperpixelSLIC'):
        generator(torch.rand(1, 2, 4, 4).softmax(1))


@pytest.mark.parametrize('statistics', ['epoch', 'running'])
def test_state_survives_a_state_dict_round_trip(statistics):
    """p, thresholds, the histograms (decaying ones too) and the epoch
    position."""
    generator = PseudoLabelGenerator(
        num_classes=3, superpixel_refinement=False, samples_per_epoch=3,
        statistics=statistics)
    for _ in range(4):
        generator(torch.rand(2, 3, 5, 5).softmax(1))
    restored = PseudoLabelGenerator(
        num_classes=3, superpixel_refinement=False, samples_per_epoch=3,
        statistics=statistics)
    restored.load_state_dict(generator.state_dict())
    names = ['histograms', 'class_thresholds', 'portion', 'epoch',
             'samples_seen']
    if statistics == 'running':
        names.append('running_histograms')
        assert generator.running_histograms.sum() > 0
    for name in names:
        assert torch.equal(getattr(restored, name), getattr(generator, name))
    # 8 samples, epochs of 3: two epochs ended (p 25%, then 30%), 2 seen.
    assert float(restored.portion) == pytest.approx(0.3)
    assert int(restored.samples_seen) == 2
    probs = torch.rand(2, 3, 5, 5).softmax(1)
    assert torch.equal(restored(probs), generator(probs))
    assert torch.equal(restored.class_thresholds, generator.class_thresholds)
