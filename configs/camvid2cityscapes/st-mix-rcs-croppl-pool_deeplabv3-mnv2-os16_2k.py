# ST-Mix + RCS + croppl + the weak-label pooling loss (Paul et al. 2020) on
# the segmentor's logits of the clean Cityscapes crops, weight 0.1: the
# image labels' presence half (a class the frame holds must score in some
# pixel), which the veto cannot use. Its -noil twin is
# st-mix-rcs-croppl-noil: without image labels the loss has no term.
_base_ = ['./st-mix-rcs-croppl_deeplabv3-mnv2-os16_2k.py']
model = dict(
    weak_label_loss=dict(type='ImageLabelPoolingLoss', loss_weight=0.1))
