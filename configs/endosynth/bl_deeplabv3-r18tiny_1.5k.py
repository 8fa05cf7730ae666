# Source-only baseline (the paper's "BL") on the embedded EndoSynth data
# (generated on first use): a CPU-sized DeepLab-v3 trained on source pixel
# labels, evaluated on the target test split.
_base_ = [
    '../_base_/models/deeplabv3_r18-tiny.py',
    '../_base_/datasets/endosynth.py',
    '../_base_/schedules/schedule_adam_2k.py',
    '../_base_/default_runtime.py',
]
crop_size = (128, 160)
# Training batches are padded to the crop size.
model = dict(data_preprocessor=dict(size=crop_size))
# A from-scratch tiny model needs a larger step than the paper's
# ImageNet-initialised ResNet-50 (1e-4).
optim_wrapper = dict(optimizer=dict(lr=1e-3))
# 1.5k iterations keep the quick start's main job under 10 minutes on 2 CPU
# cores with adversarial training (about 0.3 s per iteration).
train_cfg = dict(max_iters=1500, val_interval=1500)
param_scheduler = [
    dict(
        type='ExponentialLR',
        gamma=0.7**(1 / 950),
        begin=0,
        end=1500,
        by_epoch=False)
]
default_hooks = dict(checkpoint=dict(interval=1500))
randomness = dict(seed=0)
