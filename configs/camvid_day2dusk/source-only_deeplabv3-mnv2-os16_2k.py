# Source-only baseline (the paper's "BL", Table 2): train on the CamVid day
# drives' pixel labels, test on the dusk drive (dusk_val). The floor every
# adaptation row is judged by.
_base_ = [
    '../_base_/models/deeplabv3_mobilenetv2-os16.py',
    '../_base_/datasets/camvid_day2dusk.py',
    '../_base_/schedules/schedule_adam_2k.py',
    '../_base_/default_runtime.py',
]
crop_size = (192, 256)
# 11 classes; S1 (the image classifier, paper 3.1) is trained on the
# source images' labels (from their crops) and refines S2, as in the paper's
# medical model: CamVid's target has image labels that vary.
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11))
# Paper 3.4: Adam, lr 1e-4, decay 0.7 every 950 steps, 2k iterations (the
# schedule base); the randomly initialised head learns 10x faster than the
# ImageNet backbone, as usual for DeepLab. dusk_val is scored every 250
# iterations: BL's curve over seeds is in configs/camvid_day2dusk/README.md.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys=dict(decode_head=dict(lr_mult=10.))))
train_cfg = dict(val_interval=250)
default_hooks = dict(checkpoint=dict(interval=250, max_keep_ckpts=1))
randomness = dict(seed=0)
