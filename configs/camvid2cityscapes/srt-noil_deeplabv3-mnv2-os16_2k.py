# Ours without target image labels (the -noil twin): every class of every
# Cityscapes frame unknown (ImageLabelsUnknown: no L_C term on the target,
# no veto), the rest as Ours, so that the two rows differ in the target's
# image labels alone.
_base_ = ['./srt_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(dataset=dict(target={{_base_.target_train_noil}}))
