# ST-Mix + RCS + croppl + whole frames without target image labels (the -noil
# twin of st-mix-rcs-croppl-whole and -whole-pool): every class of every
# Cityscapes item unknown. The pooling loss has no term without image labels,
# and -whole-pool keeps the running statistics out of its target forward, so
# this config leaves the loss (and that forward) out.
_base_ = ['./st-mix-rcs_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(
    dataset=dict(target={{_base_.target_train_croppl_whole_noil}}))
