# ST-Mix without ClassMix (ablation): the teacher's confidence-weighted
# pseudo labels train the segmentor on the clean target crops themselves.
_base_ = ['./st-mix_deeplabv3-r18tiny_1.5k.py']
model = dict(class_mix=None)
