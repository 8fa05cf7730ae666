# BL of Kvasir-SEG -> CVC-ColonDB at a GPU scale, tried for the gap to the
# joint oracle (configs/kvasir2colondb/README.md, "Gap first"): whole frames
# (crops of 288x384 from frames rescaled 0.75-1.25x around the test scale,
# where the 2k configs crop 192x256 from 0.5-1.0x), batch 8, 3k iterations,
# and a learning rate that decays to 0 (poly, power 0.9), so that the last
# checkpoint is not one sample of a fluctuation at half the initial rate.
_base_ = ['./source-only_deeplabv3-mnv2-os16_2k.py']
crop_size = (288, 384)
model = dict(data_preprocessor=dict(size=crop_size))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(384, 288),
        ratio_range=(0.75, 1.25),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='ImageLabelsFromSegMap'),
    dict(type='PackSRTInputs')
]
source_train = dict(pipeline=train_pipeline)
target_train_oracle = dict(pipeline=train_pipeline)
train_dataloader = dict(batch_size=8, dataset=source_train)
param_scheduler = [
    dict(
        type='PolyLR',
        power=0.9,
        eta_min=0.,
        begin=0,
        end=3000,
        by_epoch=False)
]
train_cfg = dict(max_iters=3000, val_interval=1000)
# A checkpoint every 500 iterations: a sweep stopped by a bounded machine
# resumes there.
default_hooks = dict(checkpoint=dict(interval=500, max_keep_ckpts=1))
