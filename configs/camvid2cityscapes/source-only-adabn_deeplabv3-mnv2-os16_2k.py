# BL + AdaBN (not in the paper): source-only training, then, at the last
# iteration, the batch norms' running statistics re-estimated on the
# Cityscapes training frames' images (no labels; AdaBNHook), so that the
# target frames are normalised with target statistics at test time.
_base_ = ['./source-only_deeplabv3-mnv2-os16_2k.py']
custom_hooks = [dict(type='AdaBNHook', dataset={{_base_.target_train}})]
