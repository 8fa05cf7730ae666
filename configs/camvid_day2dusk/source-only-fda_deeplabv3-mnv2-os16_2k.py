# BL + FDA (not in the paper): source-only training on day crops that take
# the low-frequency amplitudes (light, colour) of a random dusk training frame
# (FDAStyle, beta 0.01 as FDA's best single model); no target labels of any
# kind, no dusk validation or test frame.
_base_ = ['./source-only_deeplabv3-mnv2-os16_2k.py']
data_root = 'data/camvid_day2dusk'  # the dataset base's
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(
            type='RandomResize',
            scale=(480, 360),
            ratio_range=(0.5, 1.0),
            keep_ratio=True),
        dict(type='RandomCrop', crop_size={{_base_.crop_size}},
             cat_max_ratio=0.75),
        dict(
            type='FDAStyle',
            img_dir=data_root + '/target/images',
            ann_file=data_root + '/target/train.txt',
            beta=0.01),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PhotoMetricDistortion'),
        dict(type='ImageLabelsFromSegMap'),
        dict(type='PackSRTInputs')
    ]))
