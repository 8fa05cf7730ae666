# BL+AL+PL (Table 2): BL+AL plus class-balanced pseudo labels with the
# superpixel prior (Eq. 5, Algorithms 1-2) training L_S's target term.
_base_ = ['./bl-al_deeplabv3-mnv2-os16_2k.py', '../_base_/uda/srt.py']
model = dict(pseudo_labeler={{_base_.pseudo_labeler}})
