"""ST-Mix's parts (not in the paper): ClassMix (DACS) and CutMix on
hand-worked 4x4 images, the confidence-weighted pseudo labels (DAFormer) on
a hand-worked probability map, and SRTAdapter's class-mix step against a
literal computation of its loss."""
import copy
import itertools
import json

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmseg.registry import MODELS

from mmseg_srt.models import ClassMix, ConfidencePseudoLabeler, CutMix

from mmseg_srt.utils import load_checkpoint_safely

from .conftest import checkpoint_path, run_tool, write_tiny_uda_config
from .test_srt_adapter import batch, build_adapter

IGNORE = 255


def test_class_mix_of_two_4x4_images():
    source = torch.arange(16.).reshape(1, 1, 4, 4).repeat(1, 3, 1, 1)
    target = -torch.ones(1, 3, 4, 4)
    source_labels = torch.tensor([[[0, 0, 1, 1],
                                   [0, 0, 1, 1],
                                   [2, 2, 255, 255],
                                   [2, 2, 255, 255]]])
    target_labels = torch.full((1, 4, 4), 7)
    target_weights = torch.full((1, 4, 4), 0.25)
    masks = source_labels == 1  # class 1 pasted
    inputs, labels, weights, _ = ClassMix()(source, source_labels, target,
                                            target_labels, target_weights,
                                            masks)
    # By hand: the top right 2x2 block is the source's, the rest the target's.
    expected_inputs = -torch.ones(4, 4)
    expected_inputs[:2, 2:] = torch.tensor([[2., 3.], [6., 7.]])
    for channel in range(3):
        torch.testing.assert_close(inputs[0, channel], expected_inputs)
    assert labels.tolist() == [[[7, 7, 1, 1], [7, 7, 1, 1], [7, 7, 7, 7],
                                [7, 7, 7, 7]]]
    assert weights.tolist() == [[[.25, .25, 1, 1], [.25, .25, 1, 1],
                                 [.25, .25, .25, .25], [.25, .25, .25,
                                                        .25]]]


def test_class_mix_pastes_half_the_classes_never_void():
    labels = torch.tensor([[[0, 0, 1, 1],
                            [0, 0, 1, 1],
                            [2, 2, 255, 255],
                            [3, 3, 255, 255]]])
    class_masks = {k: labels[0] == k for k in (0, 1, 2, 3)}
    chosen = set()
    class_mix = ClassMix(seed=0)
    for _ in range(30):
        mask = class_mix.masks(labels)[0]
        # the mask is the pixels of exactly ceil(4 / 2) = 2 of the 4 classes
        subsets = [
            pair for pair in itertools.combinations(range(4), 2)
            if torch.equal(mask, class_masks[pair[0]] | class_masks[pair[1]])
        ]
        assert len(subsets) == 1
        chosen.add(subsets[0])
        assert not mask[2:, 2:].any()  # void is never pasted
    assert len(chosen) > 2  # each call draws anew
    assert int(class_mix.mixes) == 30
    # 3 classes: 2 pasted; 1 class: that one
    three = ClassMix().masks(torch.tensor([[[0, 1], [2, 255]]]))
    assert int(three.sum()) == 2 and not three[0, 1, 1]
    assert ClassMix().masks(torch.tensor([[[4, 4], [4, 255]]])).tolist() == [
        [[True, True], [True, False]]
    ]


def test_class_mix_rejects_images_of_two_sizes():
    with pytest.raises(ValueError, match='one size'):
        ClassMix()(torch.zeros(1, 3, 4, 4), torch.zeros(1, 4, 4).long(),
                   torch.zeros(1, 3, 4, 6), torch.zeros(1, 4, 6).long())


def test_cut_mix_pastes_a_box_never_void():
    # a 4x4 map, void at the bottom right; area 0.25: a 2x2 box, one of the
    # 9 places a 2x2 box has in a 4x4 image, less the void pixel
    labels = torch.tensor([[[0, 0, 1, 1],
                            [0, 0, 1, 1],
                            [2, 2, 1, 1],
                            [2, 2, 1, 255]]])
    boxes = []
    for top, left in itertools.product(range(3), range(3)):
        box = torch.zeros(4, 4, dtype=torch.bool)
        box[top:top + 2, left:left + 2] = True
        boxes.append(box & (labels[0] != 255))
    cut_mix, twin = CutMix(area_ratio=0.25, seed=0), CutMix(0.25, seed=0)
    drawn = set()
    for _ in range(40):
        mask = cut_mix.masks(labels)[0]
        place = [i for i, box in enumerate(boxes) if torch.equal(mask, box)]
        assert len(place) == 1
        drawn.add(place[0])
        assert torch.equal(twin.masks(labels)[0], mask)  # seeded draws
    assert len(drawn) > 3 and int(cut_mix.mixes) == 40
    # 4x6 at area 0.5: sides round(0.707 * 4) = 3 and round(0.707 * 6) = 4,
    # 12 of 24 pixels; one box per image of the batch
    masks = CutMix(seed=1).masks(torch.zeros(2, 4, 6, dtype=torch.long))
    assert masks.sum((1, 2)).tolist() == [12, 12]
    rows, cols = masks[0].any(1), masks[0].any(0)
    assert int(rows.sum()) == 3 and int(cols.sum()) == 4
    # the mix itself is ClassMix's: the box's source pixels, weight 1
    source = torch.arange(16.).reshape(1, 1, 4, 4).repeat(1, 3, 1, 1)
    inputs, mixed, weights, masks = CutMix(area_ratio=0.25, seed=0)(
        source, labels, -torch.ones(1, 3, 4, 4), torch.full((1, 4, 4), 7),
        torch.full((1, 4, 4), 0.5))
    assert torch.equal(inputs[0, 0] >= 0, masks[0])
    assert torch.equal(mixed[0], torch.where(masks[0], labels[0], 7))
    assert torch.equal(weights[0] == 1, masks[0])
    with pytest.raises(ValueError, match='area_ratio'):
        CutMix(area_ratio=0)


def test_confidence_weight_of_a_known_map():
    # one image, 3 classes, 2x2 pixels; threshold 0.9
    probs = torch.tensor([[[0.95, 0.50], [0.05, 0.30]],
                          [[0.03, 0.40], [0.91, 0.30]],
                          [[0.02, 0.10], [0.04, 0.40]]])[None]
    labeler = ConfidencePseudoLabeler(num_classes=3, confidence_threshold=0.9)
    labels, weights = labeler(probs)
    assert labels.tolist() == [[[0, 0], [1, 2]]]
    # 2 of 4 pixels reach 0.9: every pixel weighs 0.5
    torch.testing.assert_close(weights, torch.full((1, 2, 2), 0.5))
    # padding (last column): labelled ignore, weight 0, not in the share
    valid = torch.tensor([[[True, False], [True, False]]])
    labels, weights = labeler(probs, valid)
    assert labels.tolist() == [[[0, IGNORE], [1, IGNORE]]]
    torch.testing.assert_close(weights, torch.tensor([[[1., 0.], [1., 0.]]]))
    # the image labels say class 0 is absent: by hand, without class 0 the
    # pixels are [0.6, 0.4], [0.8, 0.2], [0.96, 0.04], [3/7, 4/7] over
    # classes (1, 2): labels 1, 1, 1, 2; one confident pixel of 4
    labels, weights = labeler(
        probs, image_labels=torch.tensor([[0., 1., 1.]]))
    assert labels.tolist() == [[[1, 1], [1, 2]]]
    torch.testing.assert_close(weights, torch.full((1, 2, 2), 0.25))
    # an unknown image label (weight 0) vetoes nothing
    labels, _ = labeler(
        probs,
        image_labels=torch.tensor([[0., 1., 1.]]),
        image_label_weights=torch.tensor([[0., 1., 1.]]))
    assert labels.tolist() == [[[0, 0], [1, 2]]]


def test_pixel_weighting_keeps_only_confident_pixels():
    # the map above: pixels (0, 0) (0.95) and (1, 0) (0.91) reach 0.9
    probs = torch.tensor([[[0.95, 0.50], [0.05, 0.30]],
                          [[0.03, 0.40], [0.91, 0.30]],
                          [[0.02, 0.10], [0.04, 0.40]]])[None]
    labeler = ConfidencePseudoLabeler(
        num_classes=3, confidence_threshold=0.9, weighting='pixel')
    labels, weights = labeler(probs)
    assert labels.tolist() == [[[0, 0], [1, 2]]]
    assert weights.tolist() == [[[1., 0.], [1., 0.]]]
    # without class 0 only pixel (1, 0) is sure (0.96); padding weighs 0
    labels, weights = labeler(
        probs,
        valid=torch.tensor([[[True, True], [False, True]]]),
        image_labels=torch.tensor([[0., 1., 1.]]))
    assert labels.tolist() == [[[1, 1], [IGNORE, 2]]]
    assert weights.tolist() == [[[0., 0.], [0., 0.]]]
    labels, weights = labeler(probs, image_labels=torch.tensor([[0., 1., 1.]]))
    assert weights.tolist() == [[[0., 0.], [1., 0.]]]
    with pytest.raises(ValueError, match='weighting'):
        ConfidencePseudoLabeler(num_classes=3, weighting='region')


def test_batch_weighting_is_one_share_over_the_batch():
    """DACS' and DAFormer's weight: confident pixels of the whole batch over
    its pixels. Image 0 is the map above (2 of 4 sure at 0.9), image 1 is
    sure everywhere (4 of 4): 6 of 8, every pixel 0.75; 'image' weighting
    gives 0.5 and 1. With image 1's last column padding: 4 of 6 valid."""
    first = torch.tensor([[[0.95, 0.50], [0.05, 0.30]],
                          [[0.03, 0.40], [0.91, 0.30]],
                          [[0.02, 0.10], [0.04, 0.40]]])
    second = torch.zeros(3, 2, 2)
    second[2] = 1.0
    probs = torch.stack([first, second])
    batch = ConfidencePseudoLabeler(
        num_classes=3, confidence_threshold=0.9, weighting='batch')
    labels, weights = batch(probs)
    assert labels.tolist() == [[[0, 0], [1, 2]], [[2, 2], [2, 2]]]
    torch.testing.assert_close(weights, torch.full((2, 2, 2), 0.75))
    _, per_image = ConfidencePseudoLabeler(
        num_classes=3, confidence_threshold=0.9)(probs)
    assert per_image[:, 0, 0].tolist() == [0.5, 1.0]
    valid = torch.ones(2, 2, 2, dtype=torch.bool)
    valid[1, :, 1] = False
    _, weights = batch(probs, valid)
    expected = torch.full((2, 2, 2), 4 / 6)
    expected[1, :, 1] = 0
    torch.testing.assert_close(weights, expected)


def test_loss_weight_scales_the_pseudo_labelled_pixels_only():
    # the known map: confident share 0.5, times 0.3 = 0.15 per pixel; in
    # 'pixel' weighting the two sure pixels 0.3; a ClassMix of it keeps
    # the pasted source pixels at 1 (the mask's top row pasted)
    probs = torch.tensor([[[0.95, 0.50], [0.05, 0.30]],
                          [[0.03, 0.40], [0.91, 0.30]],
                          [[0.02, 0.10], [0.04, 0.40]]])[None]
    labeler = ConfidencePseudoLabeler(
        num_classes=3, confidence_threshold=0.9, loss_weight=0.3)
    labels, weights = labeler(probs)
    assert labels.tolist() == [[[0, 0], [1, 2]]]
    torch.testing.assert_close(weights, torch.full((1, 2, 2), 0.15))
    _, weights_pixel = ConfidencePseudoLabeler(
        num_classes=3, confidence_threshold=0.9, weighting='pixel',
        loss_weight=0.3)(probs)
    torch.testing.assert_close(weights_pixel,
                               torch.tensor([[[0.3, 0.], [0.3, 0.]]]))
    source_labels = torch.tensor([[[1, 1], [0, 0]]])
    _, mixed_labels, mixed_weights, _ = ClassMix()(
        torch.zeros(1, 3, 2, 2), source_labels, torch.ones(1, 3, 2, 2),
        labels, weights, source_labels == 1)
    assert mixed_labels.tolist() == [[[1, 1], [1, 2]]]
    torch.testing.assert_close(mixed_weights,
                               torch.tensor([[[1., 1.], [0.15, 0.15]]]))
    with pytest.raises(ValueError, match='loss_weight'):
        ConfidencePseudoLabeler(num_classes=3, loss_weight=-1)


def test_warmup_weighs_nothing_until_enough_images_were_labelled():
    # the known map twice (a batch of 2); warm-up of 3 images: the first
    # batch (0 seen before it) and the second (2 seen) weigh 0, the third
    # (4 seen) its confident share 0.5; the labels never change
    probs = torch.tensor([[[0.95, 0.50], [0.05, 0.30]],
                          [[0.03, 0.40], [0.91, 0.30]],
                          [[0.02, 0.10], [0.04, 0.40]]])[None].repeat(2, 1, 1,
                                                                     1)
    labeler = ConfidencePseudoLabeler(
        num_classes=3, confidence_threshold=0.9, warmup_samples=3)
    for expected in (0.0, 0.0, 0.5):
        labels, weights = labeler(probs)
        assert labels.tolist() == [[[0, 0], [1, 2]]] * 2
        torch.testing.assert_close(weights, torch.full((2, 2, 2), expected))
    assert int(labeler.samples_seen) == 6
    with pytest.raises(ValueError, match='warmup_samples'):
        ConfidencePseudoLabeler(num_classes=3, warmup_samples=-1)


def _teacher_labels(initial, target, threshold=0.4):
    """The teacher (a copy of the segmentor) on the clean target with its
    batch statistics, class 0 absent from the image labels: argmax labels,
    each image's share of pixels at >= threshold as every pixel's weight."""
    teacher = copy.deepcopy(initial).train()
    logits = teacher.decode_head(teacher.extract_feat(target['inputs']))
    probs = F.interpolate(
        logits, size=target['inputs'].shape[2:], mode='bilinear',
        align_corners=False).softmax(1)
    probs[:, 0] = 0
    probs = probs / probs.sum(1, keepdim=True)
    confidence, labels = probs.max(1)
    weights = (confidence >= threshold).float().mean(
        (1, 2))[:, None, None].expand_as(confidence)
    return labels, weights


def build_mix_adapter(class_mix=dict(type='ClassMix'), **kwargs):
    """The tiny adapter trained on the mixed batch alone: no D, no S1 loss
    on the target, the teacher's labels at threshold 0.4 (as
    :func:`_teacher_labels`) on its batch statistics."""
    return build_adapter(
        discriminator=False,
        target_cls_loss=False,
        pseudo_labeler=dict(
            type='ConfidencePseudoLabeler', confidence_threshold=0.4),
        class_mix=class_mix,
        teacher_momentum=0.5,
        teacher_norm_stats='batch',
        **kwargs)


def _step_against_literal(adapter, data, initial, source, inputs, labels,
                          weights):
    """One training step of the adapter, and the literal mixed loss of the
    initial segmentor on (inputs, labels, weights), its batch norms having
    seen the source batch first as in the step."""
    student = copy.deepcopy(initial).train()
    student.decode_head(student.extract_feat(source['inputs']))
    expected = _literal_mix_loss(student, inputs, labels, weights)
    log = adapter.train_step(
        data,
        OptimWrapperDict(
            segmentor=OptimWrapper(
                torch.optim.SGD(adapter.segmentor.parameters(), lr=0.01))))
    return expected, log


def _literal_mix_loss(segmentor, inputs, labels, weights):
    """Weighted cross-entropy of the segmentor in training mode, averaged
    over every pixel (mmseg's CrossEntropyLoss, avg_non_ignore off)."""
    logits = segmentor.decode_head(segmentor.extract_feat(inputs))
    logits = F.interpolate(
        logits, size=labels.shape[1:], mode='bilinear', align_corners=False)
    loss = F.cross_entropy(logits, labels, ignore_index=IGNORE,
                           reduction='none') * weights
    return loss.mean()


@pytest.mark.parametrize('pasted', ['all', 'none'])
def test_adapter_trains_on_the_mixed_batch(pasted):
    """A source labelled with one class pastes everything (the mixed image
    is the source with its labels, weight 1); one labelled void pastes
    nothing (the target with the teacher's labels and weights)."""
    adapter = build_mix_adapter()
    assert not adapter.student_sees_target
    data = dict(
        source=batch(1, image_labels=[0, 1]),
        target=batch(2, pixel_labels=False, image_labels=[1, 2]))
    for sample in data['source']['data_samples']:
        sample.gt_sem_seg.data.fill_(1 if pasted == 'all' else IGNORE)
    initial = copy.deepcopy(adapter.segmentor)
    source = initial.data_preprocessor(copy.deepcopy(data['source']), True)
    target = initial.data_preprocessor(copy.deepcopy(data['target']), True)
    with torch.no_grad():
        if pasted == 'all':
            inputs = source['inputs']
            labels = torch.ones(2, *inputs.shape[2:], dtype=torch.long)
            weights = torch.ones(labels.shape)
        else:
            labels, weights = _teacher_labels(initial, target)
            inputs = target['inputs']
    expected, log = _step_against_literal(adapter, data, initial, source,
                                          inputs, labels, weights)
    assert not any(key.startswith('tgt.') for key in log)
    assert float(log['mix.decode.loss_ce']) == pytest.approx(
        float(expected), rel=1e-4)
    if pasted == 'none':
        assert float(log['pl.weight']) == pytest.approx(
            float(weights[:, 0, 0].mean()) * 100, rel=1e-5)


def test_adapter_trains_on_a_cut_mix():
    """CutMix from a config in SRTAdapter: the step's mixed loss is that of
    the box (drawn by a CutMix of the same seed) pasted by hand."""
    adapter = build_mix_adapter(
        class_mix=dict(type='CutMix', area_ratio=0.25, seed=5))
    data = dict(
        source=batch(1, image_labels=[0, 1]),
        target=batch(2, pixel_labels=False, image_labels=[1, 2]))
    initial = copy.deepcopy(adapter.segmentor)
    source = initial.data_preprocessor(copy.deepcopy(data['source']), True)
    target = initial.data_preprocessor(copy.deepcopy(data['target']), True)
    source_labels = torch.stack([
        sample.gt_sem_seg.data[0] for sample in source['data_samples']
    ]).long()
    masks = CutMix(area_ratio=0.25, seed=5).masks(source_labels)
    assert 0 < int(masks.sum()) < masks.numel()
    with torch.no_grad():
        labels, weights = _teacher_labels(initial, target)
        inputs = torch.where(masks[:, None], source['inputs'],
                             target['inputs'])
        labels = torch.where(masks, source_labels, labels)
        weights = torch.where(masks, torch.ones_like(weights), weights)
    expected, log = _step_against_literal(adapter, data, initial, source,
                                          inputs, labels, weights)
    assert float(log['mix.decode.loss_ce']) == pytest.approx(
        float(expected), rel=1e-4)


def test_class_mix_needs_a_teacher_and_the_pseudo_label_term():
    with pytest.raises(ValueError, match='needs teacher_momentum'):
        build_adapter(
            pseudo_labeler=dict(type='ConfidencePseudoLabeler'),
            class_mix=dict(type='ClassMix'))
    with pytest.raises(ValueError, match='pseudo_label_loss=True'):
        build_adapter(
            pseudo_labeler=dict(type='ConfidencePseudoLabeler'),
            class_mix=dict(type='ClassMix'),
            teacher_momentum=0.1,
            pseudo_label_loss=False)


ST_MIX = """
model.update(
    srt_loss=None,
    pseudo_labeler=dict(_delete_=True, type='ConfidencePseudoLabeler'),
    class_mix=dict(type='ClassMix'), teacher_momentum=0.5,
    teacher_norm_stats='batch')
custom_hooks = []
"""


@pytest.mark.slow
def test_warmup_ratio_starts_self_training_at_its_share(
        tmp_path, tiny_endosynth):
    """PseudoLabelHook(warmup_ratio=0.5) on ST-Mix, 4 steps of batch 2:
    a warm-up of 4 images, so the pseudo-label weight (every pixel sure at
    threshold 0) is 0 in steps 1-2 and 100 % in steps 3-4."""
    config = write_tiny_uda_config(
        tmp_path, tiny_endosynth, max_iters=4, checkpoint_interval=4,
        extra=ST_MIX + "model['pseudo_labeler']['confidence_threshold'] = 0.0"
        "\ncustom_hooks = [dict(type='PseudoLabelHook', warmup_ratio=0.5)]\n")
    result = run_tool(['tools/train.py', str(config), '--work-dir',
                       str(tmp_path / 'work')])
    assert 'warm-up of 4 target samples per rank' in (result.stdout +
                                                      result.stderr)
    rows = [
        json.loads(line) for line in next((tmp_path / 'work').glob(
            '*/vis_data/scalars.json')).read_text().splitlines()
    ]
    assert [row['pl.weight'] for row in rows if 'pl.weight' in row] == [
        0.0, 0.0, 100.0, 100.0]


@pytest.mark.slow
def test_st_mix_resumes_where_it_stopped(tmp_path, tiny_endosynth):
    """ST-Mix's parts in the quick start's config (with its discriminator):
    3 steps straight and 2 + 1 resumed give the same segmentor and teacher
    (the class draws and the teacher come back with the checkpoint)."""
    config = write_tiny_uda_config(tmp_path, tiny_endosynth, max_iters=3,
                                   checkpoint_interval=1, extra=ST_MIX)
    straight, resumed = tmp_path / 'straight', tmp_path / 'resumed'
    run_tool(['tools/train.py', str(config), '--work-dir', str(straight)])
    run_tool(['tools/train.py', str(config), '--work-dir', str(resumed),
              '--cfg-options', 'train_cfg.max_iters=2'])
    run_tool(['tools/train.py', str(config), '--work-dir', str(resumed),
              '--resume'])
    end = load_checkpoint_safely(str(checkpoint_path(resumed, 3)))
    reference = load_checkpoint_safely(str(checkpoint_path(straight, 3)))
    state, expected = end['state_dict'], reference['state_dict']
    assert int(state['class_mix.mixes']) == 3
    assert int(state['teacher.steps']) == 4  # a copy, then one per step
    # batch 2: the labeler's count of labelled images came back too
    assert int(state['pseudo_labeler.samples_seen']) == 6
    for key, value in expected.items():
        if key.startswith(('segmentor.', 'teacher.')):
            torch.testing.assert_close(state[key], value, rtol=0, atol=1e-6,
                                       msg=key)
    rows = [
        json.loads(line) for line in next(
            straight.glob('*/vis_data/scalars.json')).read_text().splitlines()
    ]
    assert all('mix.decode.loss_ce' in row and 'pl.weight' in row
               for row in rows if 'loss' in row)
