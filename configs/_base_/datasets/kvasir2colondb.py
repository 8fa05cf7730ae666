# Kvasir-SEG (source, pixel labels) -> CVC-ColonDB (target, image labels of
# frames and of regions of them), converted by
#   python tools/convert_datasets/polyp.py POLYP --out-dir data/kvasir2colondb \
#       --target CVC-ColonDB --regions
# The pipelines are Kvasir -> CVC-ClinicDB's: ColonDB's 384x334 frames are
# rescaled to fit 384x288 like ClinicDB's, and so are the regions (half a
# frame's side: shown at 1-2x where frames are shown at 0.5-1x). The
# prediction is scored at the test frame's own 384x334.
_base_ = ['./kvasir2cvc.py']
data_root = 'data/kvasir2colondb'
source_train = dict(data_root=data_root)
# kvasir2cvc's target pipeline with this benchmark's superpixel cache.
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
    dict(type='RandomCrop', crop_size={{_base_.crop_size}}),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSRTInputs')
]
# Frames, then the regions tools/convert_datasets/weak_regions.py kept: the
# regions' labels vary ({normal} or {normal, lesion}); the frames' do not.
target_train = dict(
    data_root=data_root,
    ann_file='target/train_regions.txt',
    image_label_file='target/image_labels_regions.txt',
    pipeline=target_train_pipeline)
target_train_oracle = dict(data_root=data_root)
target_test = dict(data_root=data_root)
train_dataloader = dict(dataset=source_train)
val_dataloader = dict(dataset=target_test)
test_dataloader = val_dataloader
