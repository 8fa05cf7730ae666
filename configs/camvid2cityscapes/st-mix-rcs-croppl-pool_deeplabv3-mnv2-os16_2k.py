# ST-Mix + RCS + croppl + the weak-label pooling loss (Paul et al. 2020) on
# the segmentor's logits of the clean Cityscapes crops, weight 0.1. On a
# crop of a frame only the absent labels hold (ImageLabelsOfCrop makes the
# present ones unknown), so the loss pushes the classes a frame lacks out of
# its crop and no class in; st-mix-rcs-croppl-whole-pool adds whole frames,
# whose present labels hold. Its -noil twin is st-mix-rcs-croppl-noil:
# without image labels the loss has no term.
_base_ = ['./st-mix-rcs-croppl_deeplabv3-mnv2-os16_2k.py']
model = dict(
    weak_label_loss=dict(type='ImageLabelPoolingLoss', loss_weight=0.1))
