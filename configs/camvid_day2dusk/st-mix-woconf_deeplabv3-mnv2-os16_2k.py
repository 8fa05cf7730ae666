# ST-Mix without the confidence weight (ablation): every pseudo-labelled
# pixel weighs 1 from the first step (threshold 0: all pixels confident).
_base_ = ['./st-mix_deeplabv3-mnv2-os16_2k.py']
model = dict(pseudo_labeler=dict(confidence_threshold=0.0))
