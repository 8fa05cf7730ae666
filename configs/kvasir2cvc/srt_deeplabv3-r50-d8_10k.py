# The paper's configuration of the full method (sections 3.3-3.4): DeepLab-v3
# ResNet-50 at output stride 8, Adam 1e-4 for S and D, batch 4, full
# 384x288 frames, BL + AL + PL + SRT. For a GPU.
_base_ = [
    './source-only_deeplabv3-r50-d8_10k.py', '../_base_/uda/adversarial.py',
    '../_base_/uda/srt.py'
]
model = dict(
    _delete_=True,
    type='SRTAdapter',
    segmentor={{_base_.model}},
    discriminator={{_base_.discriminator}},
    adversarial_loss={{_base_.adversarial_loss}},
    pseudo_labeler={{_base_.pseudo_labeler}},
    srt_loss={{_base_.srt_loss}})
# Target frames get the source's rescale and full-frame crop.
_target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResize',
        scale=(384, 288),
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='SuperpixelSLIC',
        n_segments=200,
        cache_dir='data/kvasir2cvc/superpixels'),
    dict(type='RandomCrop', crop_size={{_base_.crop_size}}),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSRTInputs')
]
train_dataloader = dict(
    sampler=dict(_delete_=True, type='SourceTargetInfiniteSampler'),
    dataset=dict(
        _delete_=True,
        type='SourceTargetDataset',
        source={{_base_.train_dataloader.dataset}},
        target=dict(
            type={{_base_.dataset_type}},
            data_root={{_base_.data_root}},
            data_prefix=dict(img_path='target/images'),
            ann_file='target/train.txt',
            with_seg_map=False,
            image_label_file='target/image_labels.txt',
            pipeline=_target_pipeline)))
optim_wrapper = dict(
    _delete_=True,
    constructor='SRTOptimWrapperConstructor',
    segmentor={{_base_.optim_wrapper}},
    discriminator={{_base_.discriminator_optim_wrapper}})
param_scheduler = dict(
    _delete_=True,
    segmentor={{_base_.param_scheduler}},
    discriminator={{_base_.param_scheduler}})
