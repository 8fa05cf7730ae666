# ST-Mix + colour jitter and Gaussian blur of the mixed images (DACS' and
# DAFormer's strong augmentation: jitter at strength 0.2 with probability
# 0.8, blur with sigma 0.15-1.15 with probability 0.5); the teacher still
# labels the clean target images.
_base_ = ['./st-mix_deeplabv3-mnv2-os16_2k.py']
model = dict(mix_transform=dict(type='ColorJitterBlur'))
