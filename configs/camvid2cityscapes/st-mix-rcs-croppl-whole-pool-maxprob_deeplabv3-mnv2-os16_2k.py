# As st-mix-rcs-croppl-whole-pool, the pooling loss scoring each class by its
# highest softmax probability (ImageLabelPoolingLoss(pooling=
# 'max_probability'), SEC's score of an absent class): a class the image
# labels call absent is pushed only where it wins a pixel, not wherever its
# logit is high, and a present one must win one. The logit pooling wiped out
# pedestrian, bicyclist and sign (docs/experiments/camvid2cityscapes.md).
# Its -noil twin: st-mix-rcs-croppl-whole-noil.
_base_ = ['./st-mix-rcs-croppl-whole-pool_deeplabv3-mnv2-os16_2k.py']
model = dict(
    weak_label_loss=dict(
        type='ImageLabelPoolingLoss',
        loss_weight=0.1,
        pooling='max_probability'))
