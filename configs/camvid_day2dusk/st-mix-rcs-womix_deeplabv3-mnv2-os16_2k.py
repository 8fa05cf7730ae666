# ST-Mix + RCS without ClassMix (ablation of ST-Mix + RCS): the teacher's
# confidence-weighted pseudo labels train the segmentor on the clean dusk
# crops themselves; the day frames are still drawn by rare-class sampling.
_base_ = ['./st-mix-rcs_deeplabv3-mnv2-os16_2k.py']
model = dict(class_mix=None)
