# Urban benchmarks (paper section 4.3): GTA5 or SYNTHIA-RAND-CITYSCAPES
# (source, pixel labels) -> Cityscapes (target: 2975 train images, no pixel
# labels; the 500 val images with masks for testing), prepared by
# tools/convert_datasets/{gta,synthia,cityscapes}.py (configs/gta2cityscapes/README.md).
# The dataloaders below are GTA5 -> Cityscapes; SYNTHIA rows swap in
# synthia_train and synthia_evaluator.
# Sizes: the paper gives none; these are the common protocol of the methods
# it compares with (AdaptSegNet/LtA [33]; DAFormer's crops): sources
# resized to 1280x720, Cityscapes to 1024x512, 512x512 crops, testing on
# 1024x512 inputs against the full 2048x1024 labels.
crop_size = (512, 512)
source_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=(1280, 720), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSRTInputs')
]
# SuperpixelSLIC (Algorithm 2's prior) segments each original 2048x1024
# frame into about 2000 superpixels (~32x32 px, 16x16 at training scale),
# once: the maps are cached.
target_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1024, 512), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='SuperpixelSLIC',
        n_segments=2000,
        cache_dir='data/cityscapes/superpixels'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSRTInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1024, 512), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSRTInputs')
]
gta_train = dict(
    type='GTADataset', data_root='data/gta', pipeline=source_pipeline)
synthia_train = dict(
    type='SynthiaDataset', data_root='data/synthia', pipeline=source_pipeline)
source_train = gta_train
# Image-level labels are given (derived from gtFine by the converter) for
# configs that use S1; the paper's urban configs, without S1, never read
# them (PseudoLabelGenerator.use_image_labels stays False).
target_train = dict(
    type='CityscapesWeakDataset',
    data_root='data/cityscapes',
    ann_file='train.txt',
    with_seg_map=False,
    image_label_file='image_labels_train.txt',
    pipeline=target_pipeline)
target_test = dict(
    type='CityscapesWeakDataset',
    data_root='data/cityscapes',
    ann_file='val.txt',
    pipeline=test_pipeline)
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=source_train)
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=target_test)
test_dataloader = val_dataloader
# GTA5 -> Cityscapes: mIoU over the 19 classes (Table 4), each class's IoU
# in the log.
val_evaluator = dict(type='SRTIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
# SYNTHIA -> Cityscapes: the 16 classes the two share (Table 3) and the 13
# without wall, fence and pole; 'mIoU' stays the 19-class mean.
synthia_16_classes = [
    'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light',
    'traffic sign', 'vegetation', 'sky', 'person', 'rider', 'car', 'bus',
    'motorcycle', 'bicycle'
]
synthia_evaluator = dict(
    type='SRTIoUMetric',
    iou_metrics=['mIoU'],
    class_subsets=dict(
        mIoU16=synthia_16_classes,
        mIoU13=[
            'road', 'sidewalk', 'building', 'traffic light', 'traffic sign',
            'vegetation', 'sky', 'person', 'rider', 'car', 'bus',
            'motorcycle', 'bicycle'
        ]))
