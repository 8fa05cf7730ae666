# ST-Mix without AdaBN at the end (ablation): the batch norms keep the
# running statistics of training (day and mixed batches).
_base_ = ['./st-mix_deeplabv3-mnv2-os16_2k.py']
custom_hooks = []
