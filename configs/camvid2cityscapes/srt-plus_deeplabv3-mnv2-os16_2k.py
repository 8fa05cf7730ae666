# Ours+ (not the paper): the full method with the stabilised self-training
# of configs/_base_/uda/srt_plus.py (log-scale, running Algorithm 1
# statistics, the image-label veto that spares unknown classes, thresholds
# kept for silent classes, an EMA teacher); mu as in Ours.
_base_ = ['./bl-al_deeplabv3-mnv2-os16_2k.py', '../_base_/uda/srt_plus.py']
model = dict(
    pseudo_labeler={{_base_.pseudo_labeler}},
    srt_loss=dict(_base_.srt_loss, loss_weight=1.0),
    teacher_momentum={{_base_.teacher_momentum}})
