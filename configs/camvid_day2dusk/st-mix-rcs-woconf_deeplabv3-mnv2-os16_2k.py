# ST-Mix + RCS without the confidence weight (ablation of ST-Mix + RCS): every
# pseudo-labelled pixel weighs 1 from the first step (threshold 0).
_base_ = ['./st-mix-rcs_deeplabv3-mnv2-os16_2k.py']
model = dict(pseudo_labeler=dict(confidence_threshold=0.0))
