# ST-Mix + RCS + croppl + L_C on the target (the paper's own way in for image
# labels, Eq. 2): S1, whose scores refine S2, also trains on the image labels
# of each clean Cityscapes crop (one more forward and backward of it per
# step); on a crop only the absent labels hold (ImageLabelsOfCrop). Its -noil
# twin is st-mix-rcs-croppl-noil: without image labels L_C has no target term.
_base_ = ['./st-mix-rcs-croppl_deeplabv3-mnv2-os16_2k.py']
model = dict(target_cls_loss=True)
