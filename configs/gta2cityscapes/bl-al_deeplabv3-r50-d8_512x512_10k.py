# BL+AL (Table 4): BL wrapped in SRTAdapter with the output-space
# discriminator (Eq. 6). The paper gives eta only for the medical data
# (0.3, Fig. 5); it is kept here.
_base_ = [
    './bl_deeplabv3-r50-d8_512x512_10k.py', '../_base_/uda/adversarial.py'
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
