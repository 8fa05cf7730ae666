# Ours+ with a warm-up (not the paper): srt-plus, and no pseudo labels
# (hence no target centroids) during the first half of the schedule, so that
# self-training starts from a model the source has trained instead of from
# the first epoch's (50 iterations here).
_base_ = ['./srt-plus_deeplabv3-r18tiny_1.5k.py']
custom_hooks = [dict(type='PseudoLabelHook', warmup_ratio=0.5)]
