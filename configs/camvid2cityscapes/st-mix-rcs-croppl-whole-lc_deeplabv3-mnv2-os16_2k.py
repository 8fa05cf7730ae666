# ST-Mix + RCS + croppl + whole frames + L_C on the target (the paper's own
# way in, Eq. 2): S1, whose scores refine S2, trains on the image labels of
# the clean Cityscapes items, both halves on the whole frames, the absent
# half on the crops. The target forward leaves the running statistics to the
# source and mixed batches, as in -whole-pool. Its -noil twin:
# st-mix-rcs-croppl-whole-noil (without image labels L_C has no target term).
_base_ = ['./st-mix-rcs-croppl-whole_deeplabv3-mnv2-os16_2k.py']
model = dict(target_cls_loss=True, target_updates_norm_stats=False)
