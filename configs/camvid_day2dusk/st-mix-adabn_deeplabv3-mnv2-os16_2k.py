# ST-Mix with AdaBN at the end (ablation): after training, the batch norms
# take the dusk training frames' statistics (AdaBNHook, as BL + AdaBN).
_base_ = ['./st-mix_deeplabv3-mnv2-os16_2k.py']
custom_hooks = [dict(type='AdaBNHook', dataset={{_base_.target_train}})]
