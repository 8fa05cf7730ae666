# BL+AL (Table 2): the source-only segmentor wrapped in SRTAdapter with the
# output-space discriminator (paper Eq. 6, eta 0.3).
_base_ = [
    './source-only_deeplabv3-mnv2-os16_2k.py', '../_base_/uda/adversarial.py'
]
model = dict(
    _delete_=True,
    type='SRTAdapter',
    segmentor={{_base_.model}},
    discriminator={{_base_.discriminator}},
    adversarial_loss={{_base_.adversarial_loss}})
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
    segmentor={{_base_.optim_wrapper}},
    discriminator={{_base_.discriminator_optim_wrapper}})
param_scheduler = dict(
    _delete_=True,
    segmentor={{_base_.param_scheduler}},
    discriminator={{_base_.param_scheduler}})
