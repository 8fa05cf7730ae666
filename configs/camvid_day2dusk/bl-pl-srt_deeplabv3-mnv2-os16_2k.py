# BL+PL+SRT (Table 2): the full method without the discriminator (no AL).
_base_ = ['./srt_deeplabv3-mnv2-os16_2k.py']
model = dict(discriminator=None)
# One optimizer and schedule: the segmentor's.
optim_wrapper = dict(
    _delete_=True,
    constructor='SRTOptimWrapperConstructor',
    segmentor={{_base_.optim_wrapper.segmentor}})
param_scheduler = dict(
    _delete_=True, segmentor={{_base_.param_scheduler.segmentor}})
