# ST-Mix (not the paper, configs/_base_/uda/st_mix.py): BL's segmentor
# trained on the CamVid frames and on CamVid classes pasted into Cityscapes
# frames labelled by an EMA teacher within their image labels; no
# discriminator, no SRT, no S1 loss on the target.
_base_ = ['./source-only_deeplabv3-mnv2-os16_2k.py', '../_base_/uda/st_mix.py']
model = dict(
    _delete_=True,
    type='SRTAdapter',
    segmentor={{_base_.model}},
    target_cls_loss=False,
    pseudo_labeler={{_base_.pseudo_labeler}},
    class_mix={{_base_.class_mix}},
    teacher_momentum={{_base_.teacher_momentum}},
    teacher_norm_stats={{_base_.teacher_norm_stats}})
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
