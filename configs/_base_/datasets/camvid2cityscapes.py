# CamVid -> Cityscapes (11 CamVid classes): every labelled CamVid frame
# (500, day and dusk drives, 480x360) as the source, Cityscapes as the
# pix2pix authors distribute it as the target (992 training frames with
# image-level labels only, 250 validation frames with labels for evaluation;
# 512x256 after the converter restores the 2:1 aspect), converted by
# tools/prepare_camvid2cityscapes.sh into data/camvid2cityscapes
# (configs/camvid2cityscapes/README.md).
# Object sizes: cars and pedestrians in the target frames are 0.65-0.80x
# their height in the 480x360 CamVid frames (median and 75th percentile of
# connected components, tools/analyze_object_sizes.py), so source
# frames are rescaled by 0.55-0.85x (0.7 on average) and target frames by
# 0.75-1.25x around the test scale; both cropped to 256x192.
dataset_type = 'CamVidDataset'
data_root = 'data/camvid2cityscapes'
crop_size = (192, 256)
source_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(480, 360),
        ratio_range=(0.55, 0.85),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='ImageLabelsFromSegMap'),
    dict(type='PackSRTInputs')
]
# Target training frames: no label maps; the frame's image labels (present,
# absent or unknown: ?k), made unknown where a crop may miss a present class
# (ImageLabelsOfCrop). SuperpixelSLIC (Algorithm 2's prior): 600 per
# 512x256 frame (about 15x15 pixels), cached per frame.
target_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResize',
        scale=(512, 256),
        ratio_range=(0.75, 1.25),
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
# The -noil twins: the same frames with every image label unknown (no L_C
# term, no veto), so that a row and its twin differ in the image labels alone.
target_train_pipeline_noil = target_train_pipeline[:-1] + [
    dict(type='ImageLabelsUnknown'),
    dict(type='PackSRTInputs')
]
# Both with the rows self-training ignores (IgnorePseudoLabelRows, after the
# resize and flip): the ego vehicle's bonnet at the bottom and the
# rectification border at the top of every Cityscapes frame, void in the
# annotation, labelled sky by the teacher (docs/experiments/
# camvid2cityscapes.md); DAFormer's 15 and 120 of 512 rows.
ignore_rows = [
    dict(type='IgnorePseudoLabelRows', top=15 / 512, bottom=120 / 512)
]
target_train_pipeline_croppl = (
    target_train_pipeline[:3] + ignore_rows + target_train_pipeline[3:])
target_train_pipeline_croppl_noil = (
    target_train_pipeline_noil[:3] + ignore_rows +
    target_train_pipeline_noil[3:])
# Whole frames among the target items: half of the frames are resized to
# fit a crop whole (256x128, half the test scale) instead of the
# 0.75-1.25x resize, so that ImageLabelsOfCrop keeps their present labels
# and a presence loss (the pooling loss, L_C) reads true ones; on a crop
# of a larger frame only the absent labels hold.
whole_frame_or_resize = dict(
    type='RandomChoice',
    transforms=[[dict(type='Resize', scale=(256, 128), keep_ratio=True)],
                [target_train_pipeline[1]]],
    prob=[0.5, 0.5])
target_train_pipeline_croppl_whole = (
    target_train_pipeline_croppl[:1] + [whole_frame_or_resize] +
    target_train_pipeline_croppl[2:])
target_train_pipeline_croppl_whole_noil = (
    target_train_pipeline_croppl_noil[:1] + [whole_frame_or_resize] +
    target_train_pipeline_croppl_noil[2:])
# The target's frames whole, for the image-level losses (L_C, the pooling
# loss) beside the crops self-training reads (SourceTargetDataset's
# target_frames): at 0.75x (384x192, the low end of the training scales), so
# that every image label holds for the item.
target_frames_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(384, 192), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSRTInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(512, 256), keep_ratio=True),
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
target_train_noil = dict(target_train, pipeline=target_train_pipeline_noil)
target_train_croppl = dict(target_train, pipeline=target_train_pipeline_croppl)
target_train_croppl_noil = dict(
    target_train, pipeline=target_train_pipeline_croppl_noil)
target_train_croppl_whole = dict(
    target_train, pipeline=target_train_pipeline_croppl_whole)
target_train_croppl_whole_noil = dict(
    target_train, pipeline=target_train_pipeline_croppl_whole_noil)
target_train_frames = dict(target_train, pipeline=target_frames_pipeline)
# The oracles' training set: the Cityscapes training frames WITH their label
# maps (which the weakly supervised rows never read), at the target's scale.
target_train_oracle = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='target/images', seg_map_path='target/masks'),
    ann_file='target/train.txt',
    pipeline=source_train_pipeline[:2] + [
        dict(
            type='RandomResize',
            scale=(512, 256),
            ratio_range=(0.75, 1.25),
            keep_ratio=True)
    ] + source_train_pipeline[3:])
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
