# ST-Mix + rare-class sampling of the CamVid frames (trained on and pasted;
# DAFormer's sampler), the preset of configs/camvid_day2dusk.
_base_ = ['./st-mix_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(
    sampler=dict(
        source_sampler=dict(
            type='RareClassSampler', temperature=0.01, min_pixels=500)))
