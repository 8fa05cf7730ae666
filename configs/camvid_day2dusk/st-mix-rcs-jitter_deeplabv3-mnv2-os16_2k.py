# ST-Mix with the two additions that each gained on their own: rare-class
# sampling of the day frames and colour jitter and blur of the mixed images.
_base_ = ['./st-mix-rcs_deeplabv3-mnv2-os16_2k.py']
model = dict(mix_transform=dict(type='ColorJitterBlur'))
