# ST-Mix + colour jitter and Gaussian blur of the mixed images (not the
# paper; DACS' and DAFormer's strong augmentation, as in
# configs/camvid_day2dusk/st-mix-jitter_deeplabv3-mnv2-os16_2k.py): a pasted
# lesion's colours vary from step to step; the teacher still labels the
# clean target frames.
_base_ = ['./st-mix_deeplabv3-r18tiny_1.5k.py']
model = dict(mix_transform=dict(type='ColorJitterBlur'))
