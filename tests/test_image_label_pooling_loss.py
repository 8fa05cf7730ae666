"""The weak-label classification loss on S2's logits (Paul et al. 2020;
not in the paper) against hand-worked cases, and in SRTAdapter's step."""
import copy
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmseg_srt.models import (ImageLabelPoolingLoss, log_mean_exp_pooling,
                              max_probability_pooling, softmax_pooling)

from .test_srt_adapter import batch, build_adapter


def _bce(score, label):
    p = 1 / (1 + math.exp(-score))
    return -math.log(p) if label else -math.log(1 - p)


def test_pooled_scores_and_loss_by_hand():
    # one image, 2 classes, 1x2 pixels: class 0's logits (0, ln 3) weigh
    # (1/4, 3/4), so s_0 = 3/4 ln 3; class 1's (2, 2) pool to 2
    logits = torch.tensor([[[[0., math.log(3.)]], [[2., 2.]]]])
    scores = softmax_pooling(logits)
    torch.testing.assert_close(
        scores, torch.tensor([[0.75 * math.log(3.), 2.]]))
    labels = torch.tensor([[1., 0.]])
    loss = ImageLabelPoolingLoss(loss_weight=2.)(logits, labels)
    expected = (_bce(0.75 * math.log(3.), 1) + _bce(2., 0)) / 2
    assert float(loss) == pytest.approx(2 * expected, rel=1e-6)
    # class 1 unknown: only class 0's term, averaged over one pair
    loss = ImageLabelPoolingLoss()(logits, labels, torch.tensor([[1., 0.]]))
    assert float(loss) == pytest.approx(_bce(0.75 * math.log(3.), 1),
                                        rel=1e-6)
    # the second pixel is padding: s_0 = 0, s_1 = 2
    valid = torch.tensor([[[True, False]]])
    torch.testing.assert_close(softmax_pooling(logits, valid),
                               torch.tensor([[0., 2.]]))


def test_log_mean_exp_pooling_by_hand_and_as_paul_et_al():
    # class 0's logits (0, ln 3) over 2 pixels: log((1 + 3) / 2) = ln 2;
    # class 1's (2, 2): 2
    logits = torch.tensor([[[[0., math.log(3.)]], [[2., 2.]]]])
    torch.testing.assert_close(
        log_mean_exp_pooling(logits), torch.tensor([[math.log(2.), 2.]]))
    # the second pixel is padding: 0 and 2
    valid = torch.tensor([[[True, False]]])
    torch.testing.assert_close(
        log_mean_exp_pooling(logits, valid), torch.tensor([[0., 2.]]))
    loss = ImageLabelPoolingLoss(pooling='lse')(logits,
                                                torch.tensor([[1., 0.]]))
    expected = (_bce(math.log(2.), 1) + _bce(2., 0)) / 2
    assert float(loss) == pytest.approx(expected, rel=1e-6)
    # weak-da-seg's get_prediction: sigmoid(logsumexp(A + log(1 / HW)))
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 4, 5, generator=generator)
    theirs = torch.sigmoid(
        torch.logsumexp((logits + math.log(1 / 20)).flatten(2), -1))
    torch.testing.assert_close(
        torch.sigmoid(log_mean_exp_pooling(logits)), theirs)
    # a class in 1 of 64 pixels at logit a scores about a - ln 64
    small = torch.full((1, 1, 8, 8), -20.)
    small[0, 0, 0, 0] = 6.
    assert float(log_mean_exp_pooling(small)) == pytest.approx(
        6. - math.log(64.), abs=1e-6)
    with pytest.raises(ValueError, match='pooling'):
        ImageLabelPoolingLoss(pooling='max')


def test_max_probability_pooling_by_hand_and_saturating():
    # 2 classes, 1x2 pixels: logits (0, ln 3) and (ln 3, 0) give class 0
    # the probabilities (1/4, 3/4) and class 1 (3/4, 1/4): both peak at 3/4
    logits = torch.tensor([[[[0., math.log(3.)]], [[math.log(3.), 0.]]]])
    torch.testing.assert_close(
        max_probability_pooling(logits), torch.tensor([[0.75, 0.75]]))
    # the second pixel is padding: class 0 peaks at 1/4
    valid = torch.tensor([[[True, False]]])
    torch.testing.assert_close(
        max_probability_pooling(logits, valid), torch.tensor([[0.25, 0.75]]))
    # class 0 present, class 1 absent: (-ln 3/4 - ln 1/4) / 2
    loss = ImageLabelPoolingLoss(pooling='max_probability')(
        logits, torch.tensor([[1., 0.]]))
    expected = (-math.log(0.75) - math.log(0.25)) / 2
    assert float(loss) == pytest.approx(expected, rel=1e-6)
    # class 1, absent, never wins a pixel (logit 2 against 10: probability
    # p = e^-8 / (1 + e^-8)): the probabilities push its logit by p (p / 2
    # from each class's term, through the softmax), the pooled logit by
    # sigmoid(2) / 2 = 0.44, however far the other class is ahead
    logits = torch.tensor([[[[10., 10.]], [[2., 2.]]]], requires_grad=True)
    labels = torch.tensor([[1., 0.]])
    pushes = {}
    for pooling in ('max_probability', 'softmax'):
        logits.grad = None
        ImageLabelPoolingLoss(pooling=pooling)(logits, labels).backward()
        pushes[pooling] = float(logits.grad[0, 1].sum())
    assert pushes['max_probability'] == pytest.approx(
        math.exp(-8) / (1 + math.exp(-8)), rel=1e-3)
    assert pushes['softmax'] == pytest.approx(
        1 / (1 + math.exp(-2)) / 2, rel=1e-4)


def test_a_small_present_class_scores_as_a_large_one():
    small = torch.full((1, 1, 8, 8), -4.)
    small[0, 0, 0, 0] = 6.
    large = torch.full((1, 1, 8, 8), 6.)
    assert float(softmax_pooling(small)) > 5.9
    assert float(softmax_pooling(small)) < float(softmax_pooling(large)) + 1


def _softmax_pooling_loss_by_hand(logits, labels, weight):
    """Spatial-softmax pooling per class, BCE against the same labels for
    every image, times ``weight``."""
    flat = logits.flatten(2)
    scores = (flat.softmax(-1) * flat).sum(-1)
    return weight * F.binary_cross_entropy_with_logits(
        scores, torch.tensor([labels] * len(logits)))


def _one_step(adapter, data):
    return adapter.train_step(
        data,
        OptimWrapperDict(
            segmentor=OptimWrapper(
                torch.optim.SGD(adapter.segmentor.parameters(), lr=0.01))))


def test_adapter_adds_the_loss_of_the_targets_logits():
    adapter = build_adapter(
        discriminator=False,
        target_cls_loss=False,
        weak_label_loss=dict(type='ImageLabelPoolingLoss', loss_weight=0.5))
    assert adapter.student_sees_target
    data = dict(
        source=batch(1, image_labels=[0, 1]),
        target=batch(2, pixel_labels=False, image_labels=[1, 2]))
    student = copy.deepcopy(adapter.segmentor).train()
    source = student.data_preprocessor(copy.deepcopy(data['source']), True)
    target = student.data_preprocessor(copy.deepcopy(data['target']), True)
    with torch.no_grad():
        student.decode_head(student.extract_feat(source['inputs']))
        logits = student.decode_head(student.extract_feat(target['inputs']))
    expected = _softmax_pooling_loss_by_hand(logits, [0., 1., 1.], 0.5)
    log = _one_step(adapter, data)
    assert float(log['tgt.loss_pool']) == pytest.approx(
        float(expected), rel=1e-5)


@pytest.mark.parametrize('updates', [True, False])
def test_target_forward_and_the_running_statistics(updates):
    """The stem's first batch norm after one step, by hand: the source
    batch's channel means enter the running mean (momentum 0.1), then the
    clean target batch's, unless target_updates_norm_stats=False."""
    adapter = build_adapter(
        discriminator=False,
        target_cls_loss=False,
        target_updates_norm_stats=updates,
        weak_label_loss=dict(type='ImageLabelPoolingLoss'))
    data = dict(
        source=batch(1, image_labels=[0, 1]),
        target=batch(2, pixel_labels=False, image_labels=[1, 2]))
    segmentor = adapter.segmentor
    conv, norm = segmentor.backbone.stem[0], segmentor.backbone.stem[1]
    preprocess = copy.deepcopy(segmentor.data_preprocessor)
    with torch.no_grad():
        source_mean = conv(preprocess(copy.deepcopy(data['source']),
                                      True)['inputs']).mean((0, 2, 3))
        target_mean = conv(preprocess(copy.deepcopy(data['target']),
                                      True)['inputs']).mean((0, 2, 3))
    before = norm.running_mean.clone()
    _one_step(adapter, data)
    expected = 0.9 * before + 0.1 * source_mean
    if updates:
        expected = 0.9 * expected + 0.1 * target_mean
    torch.testing.assert_close(norm.running_mean, expected)
    assert norm.track_running_stats and norm.training


def test_weak_label_loss_needs_image_labels():
    adapter = build_adapter(
        discriminator=False,
        target_cls_loss=False,
        weak_label_loss=dict(type='ImageLabelPoolingLoss'))
    data = dict(
        source=batch(1, image_labels=[0, 1]),
        target=batch(2, pixel_labels=False))
    with pytest.raises(ValueError, match='image labels'):
        _one_step(adapter, data)


def test_target_frames_feed_the_image_level_losses():
    """With a batch of whole target frames (SourceTargetDataset's
    target_frames) the pooling loss is that of the frames' logits, by hand,
    and L_C's S1 is trained on them; the target crops, which no other term
    reads (no D, no L_SRT, class-mixed self-training aside), are not
    forwarded: the stem's batch norm sees the source batch, then the
    frames, and not the crops."""
    adapter = build_adapter(
        discriminator=False,
        target_cls_loss=True,
        weak_label_loss=dict(type='ImageLabelPoolingLoss', loss_weight=0.5))
    data = dict(
        source=batch(1, image_labels=[0, 1]),
        target=batch(2, pixel_labels=False, image_labels=[1, 2]),
        target_frames=batch(3, pixel_labels=False, image_labels=[0]))
    student = copy.deepcopy(adapter.segmentor).train()
    preprocess = student.data_preprocessor
    source, frames = (preprocess(copy.deepcopy(data[key]), True)
                      for key in ('source', 'target_frames'))
    conv, norm = (adapter.segmentor.backbone.stem[0],
                  adapter.segmentor.backbone.stem[1])
    with torch.no_grad():
        source_mean = conv(source['inputs']).mean((0, 2, 3))
        frames_mean = conv(frames['inputs']).mean((0, 2, 3))
        student.decode_head(student.extract_feat(source['inputs']))
        logits = student.decode_head(student.extract_feat(frames['inputs']))
    expected = _softmax_pooling_loss_by_hand(logits, [1., 0., 0.], 0.5)
    before = norm.running_mean.clone()
    log = _one_step(adapter, data)
    assert float(log['tgt.loss_pool']) == pytest.approx(
        float(expected), rel=1e-5)
    torch.testing.assert_close(
        norm.running_mean,
        0.9 * (0.9 * before + 0.1 * source_mean) + 0.1 * frames_mean)


def test_target_frames_train_s1():
    """L_C on the target (S1 refining S2) reads the frames' image labels,
    not the crops' (S1's loss on each batch, from a copy of the segmentor
    before the step, tells which)."""
    from mmseg_srt.models.utils import decode_head_outputs
    adapter = build_adapter(
        head='refined', discriminator=False, target_cls_loss=True)
    data = dict(
        source=batch(1, image_labels=[0, 1]),
        target=batch(2, pixel_labels=False, image_labels=[1, 2]),
        target_frames=batch(3, pixel_labels=False, image_labels=[0]))
    student = copy.deepcopy(adapter.segmentor).train()
    expected = {}
    for key in ('source', 'target', 'target_frames'):
        inputs = student.data_preprocessor(copy.deepcopy(data[key]), True)
        with torch.no_grad():
            outputs = decode_head_outputs(
                student.decode_head, student.extract_feat(inputs['inputs']))
            expected[key] = student.decode_head.loss_cls_by_feat(
                outputs.cls_logits, inputs['data_samples'])['loss_cls']
    log = _one_step(adapter, data)
    loss = float(log['tgt.decode.loss_cls'])
    assert loss == pytest.approx(float(expected['target_frames']), rel=1e-5)
    assert loss != pytest.approx(float(expected['target']), rel=1e-3)
