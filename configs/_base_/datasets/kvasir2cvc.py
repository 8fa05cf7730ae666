# Kvasir-SEG (source, pixel labels) -> CVC-ClinicDB (target, image labels),
# converted by tools/convert_datasets/polyp.py into data/kvasir2cvc.
# Frames are 384x288; training crops 256x192 from 0.5-1.0x rescaled frames.
dataset_type = 'LesionSegDataset'
data_root = 'data/kvasir2cvc'
crop_size = (192, 256)
source_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(384, 288),
        ratio_range=(0.5, 1.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='ImageLabelsFromSegMap'),
    dict(type='PackSRTInputs')
]
# Target training images: no masks, image labels from the dataset.
# SuperpixelSLIC (Algorithm 2's prior, 200 superpixels per 384x288 frame)
# segments each original frame once and caches it; it follows the resize and
# flip before it, and RandomCrop crops it with the image.
target_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResize',
        scale=(384, 288),
        ratio_range=(0.5, 1.0),
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='SuperpixelSLIC',
        n_segments=200,
        cache_dir=data_root + '/superpixels'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSRTInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(384, 288), keep_ratio=True),
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
# The oracle's training set: target training frames WITH their masks.
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
# mFscore adds each class's precision and recall (over- or under-segmenting).
val_evaluator = dict(type='SRTIoUMetric', iou_metrics=['mIoU', 'mFscore'])
test_evaluator = val_evaluator
