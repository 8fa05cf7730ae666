# ST-Mix + RCS + croppl + L_SRT without target image labels (its -noil
# twin): every class of every Cityscapes frame unknown, so the teacher's
# labels, of self-training and of the target centroids, are not vetoed.
_base_ = ['./st-mix-rcs-croppl-srt_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(
    dataset=dict(target={{_base_.target_train_croppl_noil}}))
