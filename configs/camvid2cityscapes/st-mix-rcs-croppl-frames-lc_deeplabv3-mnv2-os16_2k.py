# ST-Mix + RCS + croppl + L_C on whole Cityscapes frames (the paper's own way
# in, Eq. 2): S1, whose scores refine S2, trains on the image labels of each
# target crop's frame, given whole at 0.75x (384x192, SourceTargetDataset's
# target_frames), where every label holds; on the crops only the absent ones
# did (st-mix-rcs-croppl-lc). The frames' forward leaves the running
# statistics to the source and mixed batches. Its -noil twin is
# st-mix-rcs-croppl-noil: without image labels L_C has no target term.
_base_ = ['./st-mix-rcs-croppl_deeplabv3-mnv2-os16_2k.py']
model = dict(target_cls_loss=True, target_updates_norm_stats=False)
train_dataloader = dict(
    dataset=dict(target_frames={{_base_.target_train_frames}}))
