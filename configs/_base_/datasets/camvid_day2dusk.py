# CamVid day -> dusk (11 classes, 480x360): the day drives 0006R0 and 0016E5
# (source, pixel labels) -> the dusk drive 0001TP (target: 62 training frames
# with image-level labels only; dusk_val's 32 frames with labels for
# evaluation), converted by tools/convert_datasets/camvid.py into
# data/camvid_day2dusk (configs/camvid_day2dusk/README.md).
# Training crops 256x192 from 0.5-1.0x rescaled frames; testing on whole
# 480x360 frames.
dataset_type = 'CamVidDataset'
data_root = 'data/camvid_day2dusk'
crop_size = (192, 256)
source_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(480, 360),
        ratio_range=(0.5, 1.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='ImageLabelsFromSegMap'),
    dict(type='PackSRTInputs')
]
# The same with FDA (not in the paper): each day crop takes the low-frequency
# amplitudes (light, colour) of a random dusk TRAINING frame (FDAStyle, beta
# 0.01, FDA's best single model), before the colour augmentation.
source_train_pipeline_fda = source_train_pipeline[:4] + [
    dict(
        type='FDAStyle',
        img_dir=data_root + '/target/images',
        ann_file=data_root + '/target/train.txt',
        beta=0.01)
] + source_train_pipeline[4:]
# Target training frames: no label maps; image labels (present, absent or
# unknown: ?k in the file) of the whole frame come from the dataset. A crop
# that misses part of the frame may miss a present class: there
# ImageLabelsOfCrop makes the present classes unknown (absent ones stay).
# SuperpixelSLIC (Algorithm 2's prior): 600 superpixels per 480x360 frame
# (about 17x17 pixels, so poles and signs get their own), computed once per
# frame and cached; it follows the resize and flip, RandomCrop crops it.
target_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResize',
        scale=(480, 360),
        ratio_range=(0.5, 1.0),
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='SuperpixelSLIC',
        n_segments=600,
        cache_dir=data_root + '/superpixels'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='ImageLabelsOfCrop'),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSRTInputs')
]
# Both without photometric distortion, as DAFormer's pipelines: the EMA
# teacher labels the clean target crop, and the mixed images get the colour
# augmentation (ColorJitterBlur) instead (st-mix-rcs-daformer).
source_train_pipeline_clean = [
    t for t in source_train_pipeline if t['type'] != 'PhotoMetricDistortion'
]
target_train_pipeline_clean = [
    t for t in target_train_pipeline if t['type'] != 'PhotoMetricDistortion'
]
# The same with the frames' label maps loaded: only for diagnostics that read
# them on purpose (configs/camvid_day2dusk/bl-al-srt-gt-centroids_*); no
# weakly supervised config uses it.
target_train_pipeline_with_labels = target_train_pipeline[:1] + [
    dict(type='LoadAnnotations')
] + target_train_pipeline[1:]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(480, 360), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSRTInputs')
]
source_train = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='source/images', seg_map_path='source/masks'),
    ann_file='source/train.txt',
    pipeline=source_train_pipeline)
target_train = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='target/images'),
    ann_file='target/train.txt',
    with_seg_map=False,
    image_label_file='target/image_labels.txt',
    pipeline=target_train_pipeline)
# The oracles' training set: the dusk training frames WITH their label maps.
target_train_oracle = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='target/images', seg_map_path='target/masks'),
    ann_file='target/train.txt',
    pipeline=source_train_pipeline)
target_test = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='target/images', seg_map_path='target/masks'),
    ann_file='target/val.txt',
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
# 11-class mIoU and every class's IoU (IoU.<class>).
val_evaluator = dict(type='SRTIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
