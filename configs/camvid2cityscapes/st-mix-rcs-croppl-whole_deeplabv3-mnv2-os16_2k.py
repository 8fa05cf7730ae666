# ST-Mix + RCS + croppl with half of the Cityscapes items whole frames
# (256x128, fitting the 256x192 crop; the other half cropped from the
# 0.75-1.25x frames as before), so that their present image labels hold
# for the item. Self-training uses the absent half only (the veto): this is
# the baseline of st-mix-rcs-croppl-whole-pool, which adds a presence loss.
_base_ = ['./st-mix-rcs_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(
    dataset=dict(target={{_base_.target_train_croppl_whole}}))
