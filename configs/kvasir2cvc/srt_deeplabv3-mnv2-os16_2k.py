# Ours (Table 2): BL + AL + PL + SRT, the full method on Kvasir-SEG ->
# CVC-ClinicDB at CPU size (MobileNetV2 OS16, 256x192 crops, 2k iterations).
_base_ = ['./bl-al_deeplabv3-mnv2-os16_2k.py', '../_base_/uda/srt.py']
model = dict(
    pseudo_labeler={{_base_.pseudo_labeler}}, srt_loss={{_base_.srt_loss}})
