# Source-only baseline (the paper's "BL", Table 2): train on every labelled
# CamVid frame, test on Cityscapes val (250 frames). The floor every
# adaptation row is judged by.
_base_ = [
    '../_base_/models/deeplabv3_mobilenetv2-os16.py',
    '../_base_/datasets/camvid2cityscapes.py',
    '../_base_/schedules/schedule_adam_2k.py',
    '../_base_/default_runtime.py',
]
crop_size = (192, 256)
# CamVid's 11 classes; S1 (the image classifier, paper 3.1) is trained on the
# source crops' labels and refines S2, as in the paper's medical model.
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11))
# Paper 3.4: Adam, lr 1e-4, decay 0.7 every 950 steps, 2k iterations (the
# schedule base); the randomly initialised head learns 10x faster than the
# ImageNet backbone, as usual for DeepLab. Cityscapes val is scored every
# 250 iterations.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys=dict(decode_head=dict(lr_mult=10.))))
train_cfg = dict(val_interval=250)
default_hooks = dict(checkpoint=dict(interval=250, max_keep_ckpts=1))
randomness = dict(seed=0)
