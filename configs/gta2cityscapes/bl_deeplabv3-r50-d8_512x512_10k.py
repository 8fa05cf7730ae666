# BL (paper Table 4): DeepLab-v3 ResNet-50 at output stride 8 (section 3.3,
# S1 removed as in section 4.3) trained on GTA5 alone and tested on
# Cityscapes val. Adam 1e-4, decay 0.7 every 950 iterations, batch 4
# (section 3.4) for 10k iterations (the paper gives no count; the decay has
# brought the rate to 2% of its start by then).
_base_ = [
    '../_base_/models/deeplabv3_r50-d8_aspp.py',
    '../_base_/datasets/urban.py',
    '../_base_/schedules/schedule_adam_10k.py',
    '../_base_/default_runtime.py',
]
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}))
randomness = dict(seed=0)
