# ST-Mix + FDA: the day crops (trained on and pasted) take a random dusk
# training frame's low-frequency amplitudes (the dataset base's
# source_train_pipeline_fda), as in BL + FDA.
_base_ = ['./st-mix_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(
    dataset=dict(source=dict(pipeline={{_base_.source_train_pipeline_fda}})))
