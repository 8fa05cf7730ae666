# Ours (Table 4): BL + AL + PL + SRT on GTA5 -> Cityscapes. gamma, alpha,
# mu and the p schedule are the paper's (sections 3.2-3.4, Fig. 5); it gives
# no separate urban values.
_base_ = ['./bl-al_deeplabv3-r50-d8_512x512_10k.py', '../_base_/uda/srt.py']
model = dict(
    pseudo_labeler={{_base_.pseudo_labeler}}, srt_loss={{_base_.srt_loss}})
