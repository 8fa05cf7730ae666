"""The classification-refined head (S1 + S2), paper sections 3.1 and 3.3."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.models.decode_heads import ASPPHead
from mmseg.structures import SegDataSample

from mmseg_srt.models import ClsRefinedASPPHead

NUM_CLASSES = 3
HEAD_ARGS = dict(
    in_channels=8,
    in_index=1,
    channels=6,
    dilations=(1, 2),
    dropout_ratio=0.,
    num_classes=NUM_CLASSES,
    norm_cfg=dict(type='BN', requires_grad=True),
    align_corners=False)


def _inputs(batch=2):
    torch.manual_seed(0)
    return [torch.randn(batch, 4, 16, 16), torch.randn(batch, 8, 8, 8)]


def _samples(image_labels, size=32, unknown=None):
    samples = []
    for index, labels in enumerate(image_labels):
        sample = SegDataSample()
        generator = torch.Generator().manual_seed(index)
        seg = torch.randint(0, NUM_CLASSES, (1, size, size),
                            generator=generator)
        sample.gt_sem_seg = PixelData(data=seg)
        sample.set_metainfo(
            dict(img_shape=(size, size), ori_shape=(size, size)))
        if labels is not None:
            multi_hot = torch.zeros(NUM_CLASSES)
            multi_hot[labels] = 1.
            sample.set_data(dict(gt_image_labels=multi_hot))
            if unknown is not None:
                known = torch.ones(NUM_CLASSES)
                known[unknown[index]] = 0.
                sample.set_data(dict(gt_image_label_weights=known))
        samples.append(sample)
    return samples


def _head(**kwargs):
    torch.manual_seed(1)
    head = ClsRefinedASPPHead(**HEAD_ARGS, **kwargs)
    head.init_weights()
    return head


def _randomise_refinement(head):
    torch.manual_seed(2)
    with torch.no_grad():
        head.refine_conv.weight.normal_(0, 0.5)
        head.refine_conv.bias.normal_(0, 0.5)


def test_forward_loss_predict_with_classifier():
    head = _head()
    inputs = _inputs()
    outputs = head.forward_with_features(inputs)
    assert outputs.seg_logits.shape == (2, NUM_CLASSES, 8, 8)
    assert outputs.cls_logits.shape == (2, NUM_CLASSES)
    assert outputs.features.shape == (2, 6, 8, 8)
    losses = head.loss(inputs, _samples([[0, 1], [2]]), train_cfg={})
    assert set(losses) == {'loss_ce', 'acc_seg', 'loss_cls'}
    assert all(torch.isfinite(v).all() for v in losses.values())
    head.eval()
    prediction = head.predict(inputs, [dict(img_shape=(32, 32))] * 2,
                              test_cfg={})
    assert prediction.shape == (2, NUM_CLASSES, 32, 32)


def test_refinement_starts_as_identity_then_changes_logits():
    head = _head()
    inputs = _inputs()
    plain = head.cls_seg(head._forward_feature(inputs))
    torch.testing.assert_close(head(inputs), plain)
    _randomise_refinement(head)
    assert not torch.allclose(head(inputs), plain)


def test_refinement_matches_hand_computation():
    """refined[b, k, y, x] = s[b,k,y,x] + sum_j W[k,j] [s ; p][b,j,y,x] + c_k
    written as explicit loops over one pixel per image."""
    head = _head()
    _randomise_refinement(head)
    head.eval()
    inputs = _inputs()
    outputs = head.forward_with_features(inputs)
    seg = head.cls_seg(outputs.features)
    probs = torch.sigmoid(outputs.cls_logits)
    weight = head.refine_conv.weight[:, :, 0, 0]
    bias = head.refine_conv.bias
    for b in range(2):
        y, x = 3, 5
        stacked = [float(seg[b, j, y, x]) for j in range(NUM_CLASSES)]
        stacked += [float(probs[b, j]) for j in range(NUM_CLASSES)]
        for k in range(NUM_CLASSES):
            expected = float(seg[b, k, y, x]) + float(bias[k])
            for j, value in enumerate(stacked):
                expected += float(weight[k, j]) * value
            assert float(outputs.seg_logits[b, k, y, x]) == pytest.approx(
                expected, abs=1e-5)


def test_segmentation_gradient_reaches_classifier():
    head = _head()
    _randomise_refinement(head)
    seg_loss = head.loss_by_feat(head(_inputs()), _samples([None, None]))
    seg_loss['loss_ce'].backward()
    for parameter in (head.cls_fc.weight, head.cls_conv.conv.weight):
        assert parameter.grad is not None
        assert parameter.grad.abs().sum() > 0


def test_classification_loss_is_binary_cross_entropy_over_labelled_images():
    head = _head()
    inputs = _inputs(batch=3)
    samples = _samples([[0, 2], None, [1]])
    cls_logits = head.forward_cls(inputs)
    loss = head.loss_cls_by_feat(cls_logits, samples)['loss_cls']
    # Hand-written BCE over the 2 labelled images x 3 classes.
    terms = []
    for row, labels in ((0, {0, 2}), (2, {1})):
        for k in range(NUM_CLASSES):
            p = torch.sigmoid(cls_logits[row, k])
            y = 1. if k in labels else 0.
            terms.append(-(y * torch.log(p) + (1 - y) * torch.log(1 - p)))
    torch.testing.assert_close(loss, torch.stack(terms).mean())


def test_unknown_image_labels_add_no_classification_term():
    """An unknown class (weight 0) is neither a positive nor a negative:
    the loss is the hand-written BCE mean over the known (image, class)
    pairs only, and its logit gets no gradient."""
    head = _head()
    inputs = _inputs(batch=2)
    samples = _samples([[0], [1, 2]], unknown=[[2], []])
    cls_logits = head.forward_cls(inputs).detach().requires_grad_()
    loss = head.loss_cls_by_feat(cls_logits, samples)['loss_cls']
    terms = []
    for row, labels, unknown in ((0, {0}, {2}), (1, {1, 2}, set())):
        for k in range(NUM_CLASSES):
            if k in unknown:
                continue
            p = torch.sigmoid(cls_logits[row, k])
            y = 1. if k in labels else 0.
            terms.append(-(y * torch.log(p) + (1 - y) * torch.log(1 - p)))
    assert len(terms) == 5
    torch.testing.assert_close(loss, torch.stack(terms).mean())
    loss.backward()
    assert cls_logits.grad[0, 2] == 0
    assert (cls_logits.grad.flatten().abs() > 0).sum() == 5


def test_classification_loss_without_labels_is_zero_but_connected():
    head = _head()
    cls_logits = head.forward_cls(_inputs())
    loss = head.loss_cls_by_feat(cls_logits, _samples([None, None]))
    assert float(loss['loss_cls']) == 0.
    loss['loss_cls'].backward()  # in the graph: DDP sees S1 used
    assert head.cls_fc.weight.grad is not None


def test_softmax_classification_needs_single_labels():
    head = _head(loss_cls=dict(
        type='CrossEntropyLoss', use_sigmoid=False, loss_name='loss_cls'))
    inputs = _inputs()
    cls_logits = head.forward_cls(inputs)
    loss = head.loss_cls_by_feat(cls_logits, _samples([[1], [2]]))
    expected = F.cross_entropy(cls_logits, torch.tensor([1, 2]))
    torch.testing.assert_close(loss['loss_cls'], expected)
    with pytest.raises(ValueError, match='exactly one image label'):
        head.loss_cls_by_feat(cls_logits, _samples([[0, 1], [2]]))


def test_without_classifier_equals_plain_aspp_head():
    torch.manual_seed(3)
    plain = ASPPHead(**HEAD_ARGS)
    plain.init_weights()
    ours = ClsRefinedASPPHead(use_classifier=False, **HEAD_ARGS)
    ours.load_state_dict(copy.deepcopy(plain.state_dict()), strict=True)
    assert set(ours.state_dict()) == set(plain.state_dict())
    inputs = _inputs()
    samples = _samples([[0], [1]])
    torch.testing.assert_close(ours(inputs), plain(inputs))
    ours_losses = ours.loss(inputs, samples, train_cfg={})
    plain_losses = plain.loss(inputs, samples, train_cfg={})
    assert set(ours_losses) == set(plain_losses)
    for key in plain_losses:
        torch.testing.assert_close(ours_losses[key], plain_losses[key])


def test_inside_an_mmseg_encoder_decoder():
    """The head drops into an ordinary mmseg segmentor config."""
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules
    register_all_modules()
    model = MODELS.build(
        ConfigDict(
            type='EncoderDecoder',
            data_preprocessor=dict(type='SegDataPreProcessor', size=(32, 32)),
            backbone=dict(
                type='ResNetV1c',
                depth=18,
                stem_channels=8,
                base_channels=8,
                out_indices=(2, 3),
                dilations=(1, 1, 2, 4),
                strides=(1, 2, 1, 1)),
            decode_head=dict(
                type='ClsRefinedASPPHead',
                in_channels=64,
                in_index=1,
                channels=8,
                dilations=(1, 2),
                num_classes=NUM_CLASSES),
            test_cfg=dict(mode='whole')))
    model.init_weights()
    images = torch.randn(2, 3, 32, 32)
    losses = model.loss(images, _samples([[0, 1], [2]]))
    assert {'decode.loss_ce', 'decode.loss_cls'} <= set(losses)
    model.eval()
    results = model.predict(images, _samples([None, None]))
    assert results[0].pred_sem_seg.data.shape == (1, 32, 32)
