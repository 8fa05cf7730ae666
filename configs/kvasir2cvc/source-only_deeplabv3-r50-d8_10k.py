# The paper's configuration for GPUs (section 3.3-3.4): DeepLab-v3 ResNet-50
# at output stride 8, Adam 1e-4, batch 4, full 384x288 frames. Source-only.
_base_ = [
    '../_base_/models/deeplabv3_r50-d8.py',
    '../_base_/datasets/kvasir2cvc.py',
    '../_base_/schedules/schedule_adam_10k.py',
    '../_base_/default_runtime.py',
]
crop_size = (288, 384)
model = dict(data_preprocessor=dict(size=crop_size))
# Rescale 0.75-1.5x, then crop full frames.
_train_resize = dict(
    type='RandomResize',
    scale=(384, 288),
    ratio_range=(0.75, 1.5),
    keep_ratio=True)
_train_crop = dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9)
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'), _train_resize, _train_crop,
        dict(type='RandomFlip', prob=0.5),
        dict(type='PhotoMetricDistortion'),
        dict(type='ImageLabelsFromSegMap'),
        dict(type='PackSRTInputs')
    ]))
randomness = dict(seed=0)
