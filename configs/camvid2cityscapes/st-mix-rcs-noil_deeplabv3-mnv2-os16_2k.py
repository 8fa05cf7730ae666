# ST-Mix + RCS without target image labels (the -noil twin): every class of
# every Cityscapes frame unknown (ImageLabelsUnknown: the teacher's argmax
# over all 11 classes), the rest as ST-Mix + RCS, so that the two rows differ
# in the target's image labels alone.
_base_ = ['./st-mix-rcs_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(dataset=dict(target={{_base_.target_train_noil}}))
