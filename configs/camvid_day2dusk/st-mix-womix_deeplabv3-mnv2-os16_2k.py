# ST-Mix without ClassMix (ablation): the teacher's confidence-weighted
# pseudo labels train the segmentor on the clean dusk crops themselves.
_base_ = ['./st-mix_deeplabv3-mnv2-os16_2k.py']
model = dict(class_mix=None)
