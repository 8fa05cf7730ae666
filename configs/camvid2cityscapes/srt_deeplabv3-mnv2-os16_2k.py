# Ours (Table 2): BL + AL + PL + SRT, the paper's full method with its
# medical settings (gamma 0.7, alpha 1, eta 0.3: Fig. 5) but mu 1, the
# value the project's MobileNetV2 configs use (mu 10 is for the paper's
# ResNet-50 features; configs/kvasir2cvc/README.md).
_base_ = ['./bl-al_deeplabv3-mnv2-os16_2k.py', '../_base_/uda/srt.py']
model = dict(
    pseudo_labeler={{_base_.pseudo_labeler}},
    srt_loss=dict(_base_.srt_loss, loss_weight=1.0))
