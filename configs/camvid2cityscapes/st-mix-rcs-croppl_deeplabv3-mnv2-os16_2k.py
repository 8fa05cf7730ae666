# ST-Mix + RCS with the pseudo labels of the top 15 and bottom 120 of every
# 512 rows of a Cityscapes frame weighing nothing (DAFormer's "croppl",
# IgnorePseudoLabelRows): the ego vehicle's bonnet and the rectification
# border, void in the annotation, which the teacher labels sky and ST-Mix +
# RCS then spreads into the road (docs/experiments/camvid2cityscapes.md).
_base_ = ['./st-mix-rcs_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(dataset=dict(target={{_base_.target_train_croppl}}))
