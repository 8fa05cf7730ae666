# Ours+ on EndoSynth (not the paper): the full method with the stabilised
# self-training of configs/_base_/uda/srt_plus.py (log-scale, running
# Algorithm 1 statistics, the image-label veto, thresholds kept for silent
# classes, an EMA teacher), with the paper preset's mu.
_base_ = ['./bl-al_deeplabv3-r18tiny_1.5k.py', '../_base_/uda/srt_plus.py']
model = dict(
    pseudo_labeler={{_base_.pseudo_labeler}},
    srt_loss={{_base_.srt_loss}},
    teacher_momentum={{_base_.teacher_momentum}})
