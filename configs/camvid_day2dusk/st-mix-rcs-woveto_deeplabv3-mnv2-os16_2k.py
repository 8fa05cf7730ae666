# ST-Mix + RCS without the image-label veto (ablation of ST-Mix + RCS): the
# teacher's argmax over all 11 classes, whatever the frame's image labels say.
_base_ = ['./st-mix-rcs_deeplabv3-mnv2-os16_2k.py']
model = dict(pseudo_labeler=dict(use_image_labels=False))
