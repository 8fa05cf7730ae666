# ST-Mix + RCS with DAFormer's augmentation alone (one part of
# st-mix-rcs-daformer): no photometric distortion in the pipelines, so the
# teacher labels the clean target crop, and kornia's colour jitter (strength
# 0.2) and blur of the mixed images, the coins flipped once per batch.
_base_ = ['./st-mix-rcs_deeplabv3-mnv2-os16_2k.py']
model = dict(
    mix_transform=dict(
        type='ColorJitterBlur',
        jitter_strength=0.2,
        jitter='kornia',
        decide='batch'))
train_dataloader = dict(
    dataset=dict(
        source=dict(pipeline={{_base_.source_train_pipeline_clean}}),
        target=dict(pipeline={{_base_.target_train_pipeline_clean}})))
