# ST-Mix + AL with a warm-up (not the paper): the pseudo labels weigh
# nothing for the first half of the schedule, so that self-training starts
# from the model BL+AL's losses (and the pasted source classes) have trained
# instead of from BL's. Measured (docs/experiments/endosynth.md): that model
# draws a quarter of the lesion, and the warm-up costs seed 1 11 points.
_base_ = ['./st-mix-al_deeplabv3-r18tiny_1.5k.py']
custom_hooks = [dict(type='PseudoLabelHook', warmup_ratio=0.5)]
