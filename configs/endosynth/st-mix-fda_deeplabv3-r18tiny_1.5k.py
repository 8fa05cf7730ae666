# ST-Mix + FDA (not the paper): every source crop, trained on and pasted
# into target frames, takes the low-frequency amplitudes of a random target
# training frame (the dataset base's train_pipeline_fda), so that a pasted
# lesion does not carry the source's look.
_base_ = ['./st-mix_deeplabv3-r18tiny_1.5k.py']
train_dataloader = dict(
    dataset=dict(source=dict(pipeline={{_base_.train_pipeline_fda}})))
