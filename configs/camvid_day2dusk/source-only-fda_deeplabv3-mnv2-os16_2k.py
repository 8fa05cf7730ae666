# BL + FDA (not in the paper): source-only training on day crops that take
# the low-frequency amplitudes (light, colour) of a random dusk training frame
# (the dataset base's source_train_pipeline_fda); no target labels of any
# kind, no dusk validation or test frame.
_base_ = ['./source-only_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.source_train_pipeline_fda}}))
