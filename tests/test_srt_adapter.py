"""SRTAdapter and the output-space adversarial step (paper Eq. 1, Eq. 6)."""
import copy
import math

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_srt.models import AdversarialLoss, OutputSpaceDiscriminator

NUM_CLASSES = 3
SIZE = (32, 32)


def segmentor_cfg(head='aspp'):
    heads = dict(
        aspp=dict(
            type='ASPPHead',
            in_channels=64,
            in_index=3,
            channels=8,
            dilations=(1, 2),
            dropout_ratio=0.,
            num_classes=NUM_CLASSES),
        refined=dict(
            type='ClsRefinedASPPHead',
            in_channels=64,
            in_index=3,
            channels=8,
            dilations=(1, 2),
            dropout_ratio=0.,
            num_classes=NUM_CLASSES),
        sep_aspp=dict(
            type='DepthwiseSeparableASPPHead',
            in_channels=64,
            in_index=3,
            channels=8,
            dilations=(1, 2),
            c1_in_channels=8,
            c1_channels=4,
            dropout_ratio=0.,
            num_classes=NUM_CLASSES),
        segformer=dict(
            type='SegformerHead',
            in_channels=[8, 16, 32, 64],
            in_index=[0, 1, 2, 3],
            channels=8,
            dropout_ratio=0.,
            num_classes=NUM_CLASSES),
        fcn=dict(
            type='FCNHead',
            in_channels=64,
            in_index=3,
            channels=8,
            num_convs=1,
            dropout_ratio=0.,
            num_classes=NUM_CLASSES))
    return ConfigDict(
        type='EncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            size=SIZE,
            mean=[0., 0., 0.],
            std=[255., 255., 255.]),
        backbone=dict(
            type='ResNetV1c',
            depth=18,
            stem_channels=8,
            base_channels=8,
            dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1)),
        decode_head=heads[head],
        test_cfg=dict(mode='whole'))


def build_adapter(head='aspp', discriminator=True, **kwargs):
    torch.manual_seed(0)
    adapter = MODELS.build(
        ConfigDict(
            type='SRTAdapter',
            segmentor=segmentor_cfg(head),
            discriminator=(dict(type='OutputSpaceDiscriminator')
                           if discriminator else None),
            **kwargs))
    adapter.init_weights()
    return adapter


def batch(seed, pixel_labels=True, image_labels=None, count=2):
    generator = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(count):
        inputs.append(
            torch.randint(0, 256, (3, *SIZE), generator=generator,
                          dtype=torch.uint8))
        sample = SegDataSample()
        sample.set_metainfo(dict(img_shape=SIZE, ori_shape=SIZE))
        if pixel_labels:
            sample.gt_sem_seg = PixelData(
                data=torch.randint(0, NUM_CLASSES, (1, *SIZE),
                                   generator=generator))
        if image_labels is not None:
            multi_hot = torch.zeros(NUM_CLASSES)
            multi_hot[image_labels] = 1.
            sample.set_data(dict(gt_image_labels=multi_hot))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


class RecordingOptimWrapper(OptimWrapper):
    """A real SGD wrapper that notes which watched parameters have a
    gradient when it steps."""

    def __init__(self, optimizer, watched):
        super().__init__(optimizer)
        self.watched = watched
        self.grads = []

    def step(self, **kwargs):
        self.grads.append({
            name: None if p.grad is None else p.grad.detach().clone()
            for name, p in self.watched.items()
        })
        super().step(**kwargs)


def recording_wrappers(adapter, lr=0.01):
    watched = dict(adapter.named_parameters())
    wrappers = dict(
        segmentor=RecordingOptimWrapper(
            torch.optim.SGD(adapter.segmentor.parameters(), lr=lr), watched))
    if adapter.discriminator is not None:
        wrappers['discriminator'] = RecordingOptimWrapper(
            torch.optim.SGD(adapter.discriminator.parameters(), lr=lr),
            watched)
    return OptimWrapperDict(**wrappers)


def uda_batch():
    return dict(
        source=batch(1, image_labels=[0, 1]),
        target=batch(2, pixel_labels=False, image_labels=[1, 2]))


def test_discriminator_layers_and_output_size():
    discriminator = OutputSpaceDiscriminator(num_classes=19)
    convs = [m for m in discriminator.modules()
             if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [16, 32, 64, 64, 1]
    assert [c.in_channels for c in convs] == [19, 16, 32, 64, 64]
    assert all(c.kernel_size == (3, 3) and c.stride == (2, 2) for c in convs)
    layers = list(discriminator.layers)
    relus = [m for m in layers if isinstance(m, torch.nn.LeakyReLU)]
    assert len(relus) == 4 and all(r.negative_slope == 0.2 for r in relus)
    assert isinstance(layers[-1], torch.nn.Conv2d)  # no activation at the end
    out = discriminator(torch.rand(2, 19, 512, 1024))
    # five stride-2 convolutions with padding 1: ceil(n / 2) five times
    assert out.shape == (2, 1, 16, 32)
    assert discriminator(torch.rand(1, 19, 33, 50)).shape == (1, 1, 2, 2)


def test_adversarial_loss_against_hand_computation():
    logits = torch.tensor([[[[2.0, -1.0], [0.5, 0.0]]]])
    values = [2.0, -1.0, 0.5, 0.0]
    vanilla = AdversarialLoss('vanilla', loss_weight=0.3)
    # target label 1: -log(sigmoid(z)) = log(1 + exp(-z))
    expected_target = sum(math.log1p(math.exp(-z)) for z in values) / 4
    expected_source = sum(math.log1p(math.exp(z)) for z in values) / 4
    assert float(vanilla(logits, 1.)) == pytest.approx(0.3 * expected_target)
    assert float(vanilla(logits, 0.)) == pytest.approx(0.3 * expected_source)
    lsgan = AdversarialLoss('lsgan')
    assert float(lsgan(logits, 1.)) == pytest.approx(
        sum((z - 1)**2 for z in values) / 4)
    with pytest.raises(ValueError, match='wgan'):
        AdversarialLoss('wgan')


def test_segmentor_update_leaves_d_alone_and_d_update_leaves_segmentor():
    adapter = build_adapter(head='refined', target_cls_loss=True)
    wrappers = recording_wrappers(adapter)
    log_vars = adapter.train_step(uda_batch(), wrappers)
    assert {'src.decode.loss_ce', 'src.decode.loss_cls', 'tgt.decode.loss_cls',
            'adv.loss_adv', 'disc.loss_disc_src', 'disc.loss_disc_tgt',
            'disc.acc'} <= set(log_vars)
    segmentor_step = wrappers['segmentor'].grads[0]
    discriminator_step = wrappers['discriminator'].grads[0]
    for name, grad in segmentor_step.items():
        if name.startswith('discriminator.'):
            assert grad is None, name
    for name, grad in discriminator_step.items():
        if name.startswith('segmentor.'):
            assert grad is None, name
        else:
            assert grad is not None and grad.abs().sum() > 0, name


def test_adversarial_term_reaches_the_segmentor():
    grads = {}
    for weight in (0., 1.):
        adapter = build_adapter(
            target_cls_loss=False,
            adversarial_loss=dict(type='AdversarialLoss', loss_weight=weight))
        wrappers = recording_wrappers(adapter)
        adapter.train_step(uda_batch(), wrappers)
        grads[weight] = wrappers['segmentor'].grads[0]
    name = 'segmentor.backbone.stem.0.weight'
    assert not torch.allclose(grads[0.][name], grads[1.][name])
    # The head's classifier too: the signal comes through the softmax maps.
    name = 'segmentor.decode_head.conv_seg.weight'
    assert not torch.allclose(grads[0.][name], grads[1.][name])


def test_discriminator_loss_signs():
    """D learns target -> 1 and source -> 0 (Eq. 6): one step on clearly
    different maps moves its outputs that way, and its losses are the
    hand-computed cross-entropies."""
    adapter = build_adapter(target_cls_loss=False)
    source_probs = torch.zeros(2, NUM_CLASSES, *SIZE)
    source_probs[:, 0] = 1.
    target_probs = torch.zeros(2, NUM_CLASSES, *SIZE)
    target_probs[:, 2] = 1.
    discriminator = adapter.discriminator
    with torch.no_grad():
        before = (discriminator(source_probs), discriminator(target_probs))
    optim = OptimWrapper(torch.optim.SGD(discriminator.parameters(), lr=0.5))
    log_vars = adapter._discriminator_step(optim, source_probs, target_probs)
    expected_source = torch.log1p(before[0].exp()).mean()
    expected_target = torch.log1p((-before[1]).exp()).mean()
    assert float(log_vars['disc.loss_disc_src']) == pytest.approx(
        float(expected_source), rel=1e-5)
    assert float(log_vars['disc.loss_disc_tgt']) == pytest.approx(
        float(expected_target), rel=1e-5)
    with torch.no_grad():
        after = (discriminator(source_probs), discriminator(target_probs))
    assert after[0].mean() < before[0].mean()  # source pushed towards 0
    assert after[1].mean() > before[1].mean()  # target pushed towards 1


def test_without_discriminator_it_is_the_source_only_step():
    adapter = build_adapter(discriminator=False, target_cls_loss=False)
    plain = copy.deepcopy(adapter.segmentor)
    assert not adapter.uses_target
    adapter_optim = OptimWrapperDict(
        segmentor=OptimWrapper(
            torch.optim.SGD(adapter.segmentor.parameters(), lr=0.1)))
    plain_optim = OptimWrapper(torch.optim.SGD(plain.parameters(), lr=0.1))
    data = uda_batch()
    data['target'] = None  # not even read
    adapter_log = adapter.train_step(data, adapter_optim)
    plain_log = plain.train_step(copy.deepcopy(data['source']), plain_optim)
    assert float(adapter_log['loss']) == pytest.approx(
        float(plain_log['loss']), rel=1e-6)
    for (name, ours), theirs in zip(adapter.segmentor.state_dict().items(),
                                    plain.state_dict().values()):
        torch.testing.assert_close(ours, theirs, msg=name)


@pytest.mark.parametrize('head', ['aspp', 'sep_aspp', 'fcn', 'refined'])
def test_wraps_mmseg_architectures_unchanged(head):
    adapter = build_adapter(head=head)
    log_vars = adapter.train_step(uda_batch(), recording_wrappers(adapter))
    assert math.isfinite(log_vars['loss'])
    adapter.eval()
    data = batch(5, pixel_labels=False)
    ours = adapter.test_step(copy.deepcopy(data))
    theirs = adapter.segmentor.test_step(copy.deepcopy(data))
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.seg_logits.data, b.seg_logits.data)


@pytest.mark.parametrize('head', ['aspp', 'sep_aspp', 'segformer', 'fcn'])
def test_pixel_features_are_what_the_heads_classifier_sees(head):
    """DeepLab-v3+ and SegFormer run their own decoders: the SRT features
    must be the input of their pixel classifier (seen here by a hook on
    conv_seg), and the logits those of the head's own forward."""
    from mmseg_srt.models.utils import decode_head_outputs
    segmentor = MODELS.build(segmentor_cfg(head)).eval()
    seen = []
    segmentor.decode_head.conv_seg.register_forward_hook(
        lambda module, inputs, output: seen.append(inputs[0]))
    with torch.no_grad():
        features = segmentor.extract_feat(torch.rand(2, 3, *SIZE))
        expected_logits = segmentor.decode_head(features)
        outputs = decode_head_outputs(segmentor.decode_head, features)
    torch.testing.assert_close(outputs.seg_logits, expected_logits)
    torch.testing.assert_close(outputs.features, seen[0])
    assert outputs.features.shape[1] == 8
    # The recording hook is gone after the call.
    head_modules = [segmentor.decode_head.conv_seg]
    if segmentor.decode_head.dropout is not None:
        head_modules.append(segmentor.decode_head.dropout)
    assert not any(m._forward_pre_hooks for m in head_modules)


def test_source_and_target_sizes_must_match():
    adapter = build_adapter()
    optim = OptimWrapper(
        torch.optim.SGD(adapter.discriminator.parameters(), lr=0.1))
    with pytest.raises(ValueError, match='differ in size'):
        adapter._discriminator_step(optim, torch.rand(1, 3, 32, 32),
                                    torch.rand(1, 3, 16, 32))


def test_optim_constructor_builds_one_wrapper_per_submodule():
    from mmengine.optim import build_optim_wrapper
    adapter = build_adapter()
    wrappers = build_optim_wrapper(
        adapter,
        dict(
            constructor='SRTOptimWrapperConstructor',
            segmentor=dict(
                optimizer=dict(type='Adam', lr=1e-4),
                paramwise_cfg=dict(
                    custom_keys=dict(decode_head=dict(lr_mult=10.)))),
            discriminator=dict(
                optimizer=dict(type='Adam', lr=2e-4), clip_grad=dict(
                    max_norm=1.))))
    assert set(wrappers.keys()) == {'segmentor', 'discriminator'}
    segmentor_params = {id(p) for p in adapter.segmentor.parameters()}
    groups = wrappers['segmentor'].optimizer.param_groups
    assert {id(p) for g in groups for p in g['params']} == segmentor_params
    assert {g['lr'] for g in groups} == {1e-4, 1e-3}
    assert wrappers['discriminator'].clip_grad_kwargs == dict(max_norm=1.)
    with pytest.raises(KeyError, match='critic'):
        build_optim_wrapper(
            adapter,
            dict(
                constructor='SRTOptimWrapperConstructor',
                critic=dict(optimizer=dict(type='Adam', lr=1e-4))))
