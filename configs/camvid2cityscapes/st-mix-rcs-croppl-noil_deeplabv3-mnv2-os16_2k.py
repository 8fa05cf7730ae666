# ST-Mix + RCS + croppl without target image labels (its -noil twin): every
# class of every Cityscapes frame unknown, the rest as st-mix-rcs-croppl.
_base_ = ['./st-mix-rcs_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(
    dataset=dict(target={{_base_.target_train_croppl_noil}}))
