"""The adapter's parts alone (models/uda/teacher.py, self_training.py,
srt_alignment.py, adversarial.py), each against a hand-worked case."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import nn

from mmseg_srt.models.decode_heads.cls_refined_aspp_head import HeadOutputs
from mmseg_srt.models.pseudo_labels import (ConfidencePseudoLabeler,
                                            PseudoLabels)
from mmseg_srt.models.uda import (EMATeacher, OutputSpaceAdversary,
                                  SelfTraining, SRTAlignment)
from mmseg_srt.models.losses import AdversarialLoss, SRTLoss

IGNORE = 255


def test_ema_teacher_first_copies_then_averages():
    """alpha = 1 - m: the first update copies the student, each later one
    moves the teacher by m towards it; buffers are the student's."""
    student = nn.BatchNorm1d(2)
    with torch.no_grad():
        student.weight.copy_(torch.tensor([1., 2.]))
    teacher = EMATeacher(student, momentum=0.25)
    assert not teacher.ready
    with torch.no_grad():
        student.weight.copy_(torch.tensor([4., 8.]))
    teacher.update_parameters(student)  # the copy
    assert teacher.ready
    torch.testing.assert_close(teacher.module.weight, torch.tensor([4., 8.]))
    with torch.no_grad():
        student.weight.copy_(torch.tensor([0., 0.]))
        student.running_mean.fill_(3.)
    teacher.update_parameters(student)
    # 0.75 * 4 + 0.25 * 0 = 3, 0.75 * 8 = 6
    torch.testing.assert_close(teacher.module.weight, torch.tensor([3., 6.]))
    torch.testing.assert_close(teacher.module.running_mean,
                               torch.tensor([3., 3.]))
    assert int(teacher.steps) == 2
    assert not teacher.module.weight.requires_grad


@pytest.mark.parametrize('momentum', [0.0, 1.0, 1.5, -0.1])
def test_ema_teacher_refuses_a_momentum_outside_its_range(momentum):
    with pytest.raises(ValueError, match='teacher_momentum must be'):
        EMATeacher(nn.Linear(1, 1), momentum)


def test_ema_teacher_refuses_unknown_norm_stats():
    with pytest.raises(ValueError, match="teacher_norm_stats.*'eval'"):
        EMATeacher(nn.Linear(1, 1), 0.1, norm_stats='eval')


def _target_batch(image_labels=None, widths=(4, 4)):
    """Two 3x4x4 images; image i's real width ``widths[i]`` (the rest is
    padding), its image labels ``image_labels[i]`` (a list of K values)."""
    samples = []
    for i, width in enumerate(widths):
        sample = SegDataSample()
        sample.set_metainfo(dict(img_shape=(4, width)))
        if image_labels is not None:
            sample.set_data(
                dict(gt_image_labels=torch.tensor(image_labels[i]).float()))
        samples.append(sample)
    return dict(inputs=torch.zeros(2, 3, 4, 4), data_samples=samples)


def test_self_training_labels_at_the_input_size_within_the_image_labels():
    """Logits at the input size (no resize): image 0 says class 2 is
    absent, so its argmax pixels of class 2 go to the next class; image 1
    is padded on its right half (ignored, weight 0, not in its share)."""
    logits = torch.zeros(2, 3, 4, 4)
    logits[:, 0] = 1.0
    logits[:, 2, :2] = 5.0  # class 2 wins the top half, confidently
    batch = _target_batch(image_labels=[[1, 1, 0], [1, 1, 1]],
                          widths=(4, 2))
    stage = SelfTraining(
        ConfidencePseudoLabeler(3, confidence_threshold=0.9))
    labels, weights, log_vars = stage.pseudo_labels(logits, batch)
    # image 0: class 2 vetoed; softmax of (1, 0) over classes 0, 1 -> 0.73
    assert (labels[0] == 0).all()
    # image 1: top half class 2 (p = e^5 / (e^5 + e + 1) = 0.976), bottom
    # half class 0 (0.58); the right half is padding
    expected = torch.tensor([[2, 2, IGNORE, IGNORE]] * 2 +
                            [[0, 0, IGNORE, IGNORE]] * 2)
    assert torch.equal(labels[1], expected)
    # image weights: image 0 no pixel confident; image 1 4 of its 8
    assert float(weights[0].max()) == 0.0
    assert torch.equal(weights[1], torch.tensor(
        [[0.5, 0.5, 0., 0.]] * 4))
    assert set(log_vars) == {'pl.weight'}
    assert float(log_vars['pl.weight']) == pytest.approx(25.0)


class _PasteClassOne(nn.Module):
    """A mix that pastes the source pixels of class 1 (weight 1)."""

    def forward(self, source_inputs, source_labels, target_inputs,
                target_labels, target_weights):
        pasted = source_labels == 1
        inputs = torch.where(pasted[:, None], source_inputs, target_inputs)
        labels = torch.where(pasted, source_labels, target_labels)
        weights = torch.where(pasted, torch.ones_like(target_weights),
                              target_weights)
        return inputs, labels, weights, pasted


def test_self_training_mixed_batch_and_its_loss_term():
    source = _target_batch()
    source['inputs'] = torch.ones(2, 3, 4, 4)
    source_labels = torch.zeros(2, 4, 4, dtype=torch.long)
    source_labels[:, :, :1] = 1  # the left column is class 1
    for sample, label in zip(source['data_samples'], source_labels):
        sample.gt_sem_seg = PixelData(data=label[None])
    target = _target_batch()
    pseudo = PseudoLabels(
        torch.full((2, 4, 4), 2), torch.full((2, 4, 4), 0.5), {})
    stage = SelfTraining(ConfidencePseudoLabeler(3), _PasteClassOne(),
                         mix_transform=lambda inputs: inputs * 2)
    mixed = stage.mixed_batch(source, target, pseudo)
    assert mixed['data_samples'] is target['data_samples']
    assert torch.equal(mixed['inputs'][:, :, :, 0], torch.full((2, 3, 4), 2.))
    assert torch.equal(mixed['inputs'][:, :, :, 1:],
                       torch.zeros(2, 3, 4, 3))
    assert torch.equal(mixed['labels'][:, :, 0], torch.ones(2, 4).long())
    assert (mixed['labels'][:, :, 1:] == 2).all()
    assert torch.equal(mixed['weights'][:, :, 0], torch.ones(2, 4))

    class Head(nn.Module):
        """What weighted_decode_loss reads of a decode head."""
        align_corners = False
        ignore_index = IGNORE
        loss_decode = nn.ModuleList()

    from mmseg.models.losses import CrossEntropyLoss
    head = Head()
    head.loss_decode.append(CrossEntropyLoss())
    logits = torch.zeros(2, 3, 4, 4)
    losses = stage.loss(head, logits, mixed, pseudo)
    # uniform logits: every pixel's CE is log 3, weighted and averaged
    expected = torch.log(torch.tensor(3.)) * mixed['weights'].mean()
    torch.testing.assert_close(losses['mix.decode.loss_ce'], expected)
    losses = stage.loss(head, logits, target, pseudo)
    torch.testing.assert_close(losses['tgt.decode.loss_ce'],
                               torch.log(torch.tensor(3.)) * 0.5)


def test_self_training_refuses_what_is_no_labeler_and_a_lone_transform():
    with pytest.raises(TypeError, match='BasePseudoLabeler'):
        SelfTraining(nn.Identity())
    with pytest.raises(ValueError, match='needs class_mix'):
        SelfTraining(ConfidencePseudoLabeler(3), mix_transform=nn.Identity())


def test_srt_alignment_target_labels():
    """Without pseudo labels the target centroids take S2's argmax with
    the padding ignored; 'ground_truth' needs the target's label maps."""
    srt = SRTLoss(num_classes=3, feature_channels=2)
    alignment = SRTAlignment(srt)
    target = _target_batch(widths=(4, 2))
    logits = torch.zeros(2, 3, 4, 4)
    logits[:, 1] = 1.0
    labels = alignment._target_labels(
        target, HeadOutputs(logits, None, None), None)
    assert (labels[0] == 1).all()
    assert (labels[1, :, :2] == 1).all() and (labels[1, :, 2:] == IGNORE).all()
    pseudo = PseudoLabels(torch.zeros(2, 4, 4, dtype=torch.long), None, {})
    assert alignment._target_labels(
        target, HeadOutputs(logits, None, None), pseudo) is pseudo.labels
    # Pseudo labels that weigh nothing (padding, ignored rows) give no
    # centroid: labels 0, weights 0 in row 0 and 0.5 elsewhere.
    weights = torch.full((2, 4, 4), 0.5)
    weights[:, 0] = 0.0
    weighted = PseudoLabels(torch.zeros(2, 4, 4, dtype=torch.long), weights,
                            {})
    labels = alignment._target_labels(
        target, HeadOutputs(logits, None, None), weighted)
    assert (labels[:, 0] == IGNORE).all() and (labels[:, 1:] == 0).all()
    diagnostic = SRTAlignment(srt, target_labels='ground_truth')
    with pytest.raises(ValueError, match='seg_map_path'):
        diagnostic._target_labels(target, HeadOutputs(logits, None, None),
                                  pseudo)
    with pytest.raises(ValueError, match='srt_target_labels'):
        SRTAlignment(srt, target_labels='oracle')


def test_adversary_reads_probabilities_at_the_input_or_logits_size():
    losses = (AdversarialLoss(), AdversarialLoss(loss_name='loss_disc'))
    logits = torch.randn(1, 3, 2, 2)
    inputs = torch.zeros(1, 3, 8, 8)
    at_input = OutputSpaceAdversary(*losses, 'input', False).probabilities(
        logits, inputs)
    at_logits = OutputSpaceAdversary(*losses, 'logits',
                                     False).probabilities(logits, inputs)
    assert at_input.shape == (1, 3, 8, 8)
    torch.testing.assert_close(at_logits, logits.softmax(1))
    torch.testing.assert_close(at_input.sum(1), torch.ones(1, 8, 8))
    with pytest.raises(ValueError, match='discriminator_input'):
        OutputSpaceAdversary(*losses, 'features', False)


def test_ignored_rows_weigh_nothing_after_the_share():
    """IgnorePseudoLabelRows' map (packed per sample, padded with 0): the
    pseudo labels keep their classes, their weights are 0 on the ignored
    rows, and the confident share is still of every valid pixel (DAFormer
    zeroes the rows after computing it). Image 0: top row ignored; image 1
    (padded right half): bottom two rows."""
    logits = torch.zeros(2, 3, 4, 4)
    logits[:, 2, :2] = 5.0  # confident in the top half
    batch = _target_batch(widths=(4, 2))
    maps = [torch.tensor([[0.] * 4] + [[1.] * 4] * 3),
            torch.tensor([[1.] * 2] * 2 + [[0.] * 2] * 2)]
    for sample, pixel_map in zip(batch['data_samples'], maps):
        sample.set_data(
            dict(gt_pseudo_label_weight=PixelData(data=pixel_map[None])))
    stage = SelfTraining(
        ConfidencePseudoLabeler(3, confidence_threshold=0.9))
    labels, weights, _ = stage.pseudo_labels(logits, batch)
    assert (labels[:, :2, :2] == 2).all()  # labels unchanged
    # shares: image 0 8 of 16 pixels, image 1 4 of its 8 valid ones
    assert torch.equal(weights[0], torch.tensor([[0.] * 4] + [[0.5] * 4] * 3))
    assert torch.equal(weights[1], torch.tensor([[0.5, 0.5, 0., 0.]] * 2 +
                                                [[0.] * 4] * 2))
