# ST-Mix with per-pixel confidence (not in the paper): the teacher's unsure
# pixels (top probability < 0.968) weigh 0 and its sure ones 1, instead of
# every pixel weighing the image's confident share.
_base_ = ['./st-mix_deeplabv3-r18tiny_1.5k.py']
model = dict(pseudo_labeler=dict(weighting='pixel'))
