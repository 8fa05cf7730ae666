# EndoSynth, the embedded two-domain lesion data (mmseg_srt/datasets/endosynth.py).
# It is generated under data_root the first time a dataset reads it.
# Source: pixel labels (image labels derived from the crop); target: image
# labels for training, pixel labels for the test split only.
dataset_type = 'EndoSynthDataset'
data_root = 'data/endosynth'
crop_size = (128, 160)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(160, 128),
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.95),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='ImageLabelsFromSegMap'),
    dict(type='PackSRTInputs')
]
# The same with FDA (not in the paper): each source crop takes the
# low-frequency amplitudes (white balance, vignetting) of a random target
# TRAINING frame (FDAStyle, beta 0.01), before the colour augmentation.
# FDAStyle lists its style images when built: the data must exist
# (python tools/create_endosynth.py data/endosynth).
train_pipeline_fda = train_pipeline[:4] + [
    dict(
        type='FDAStyle',
        img_dir=data_root + '/target/images',
        ann_file=data_root + '/target/train.txt',
        img_suffix='.png',
        beta=0.01)
] + train_pipeline[4:]
# Target training images have no masks; their image labels come from
# target/image_labels.txt through the dataset. SuperpixelSLIC (Algorithm 2's
# prior) segments the original image and follows the resize and flip before
# it; RandomCrop crops it with the image. Frames are small, so no cache.
target_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResize',
        scale=(160, 128),
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='SuperpixelSLIC', n_segments=100),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSRTInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSRTInputs')
]
source_train = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='source/images', seg_map_path='source/masks'),
    ann_file='source/train.txt',
    pipeline=train_pipeline)
target_train = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='target/images'),
    ann_file='target/train.txt',
    with_seg_map=False,
    image_label_file='target/image_labels.txt',
    pipeline=target_train_pipeline)
target_test = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='target/images', seg_map_path='target/masks'),
    ann_file='target/test.txt',
    pipeline=test_pipeline)
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=source_train)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=target_test)
test_dataloader = val_dataloader
val_evaluator = dict(type='SRTIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
