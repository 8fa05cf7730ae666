# Source-only baseline (the paper's "BL", Table 1-2) of Kvasir-SEG ->
# CVC-ColonDB: train on Kvasir-SEG pixel labels, test on CVC-ColonDB
# target_test. The same training as configs/kvasir2cvc's BL; only the
# target differs.
_base_ = [
    '../_base_/models/deeplabv3_mobilenetv2-os16.py',
    '../_base_/datasets/kvasir2colondb.py',
    '../_base_/schedules/schedule_adam_2k.py',
    '../_base_/default_runtime.py',
]
crop_size = (192, 256)
model = dict(data_preprocessor=dict(size=crop_size))
# Paper 3.4: Adam, lr 1e-4 (in the schedule); the randomly initialised head
# learns 10x faster than the ImageNet backbone.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys=dict(decode_head=dict(lr_mult=10.))))
train_cfg = dict(val_interval=500)
default_hooks = dict(checkpoint=dict(interval=500, max_keep_ckpts=1))
randomness = dict(seed=0)
