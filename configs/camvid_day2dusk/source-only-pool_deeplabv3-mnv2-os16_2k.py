# BL + the weak-label pooling loss (Paul et al. 2020; not in the paper): the
# source-only segmentor also forwards the dusk crops, and S2's logits of
# each, pooled by a spatial softmax, are trained against the image labels
# (weight 0.1, as in st-mix-pool). No pseudo labels, no discriminator, no S1
# loss on the target. The dusk crops pass the batch norms in training mode,
# so their running statistics hold dusk pixels too.
_base_ = ['./source-only_deeplabv3-mnv2-os16_2k.py']
model = dict(
    _delete_=True,
    type='SRTAdapter',
    segmentor={{_base_.model}},
    target_cls_loss=False,
    weak_label_loss=dict(type='ImageLabelPoolingLoss', loss_weight=0.1))
train_dataloader = dict(
    sampler=dict(_delete_=True, type='SourceTargetInfiniteSampler'),
    dataset=dict(
        _delete_=True,
        type='SourceTargetDataset',
        source={{_base_.source_train}},
        target={{_base_.target_train}}))
optim_wrapper = dict(
    _delete_=True,
    constructor='SRTOptimWrapperConstructor',
    segmentor={{_base_.optim_wrapper}})
param_scheduler = dict(_delete_=True, segmentor={{_base_.param_scheduler}})
