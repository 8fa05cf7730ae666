# Ours (Table 2): BL + AL + PL + SRT, the paper's full method on Kvasir-SEG
# -> CVC-ColonDB at CPU size, with the Kvasir -> CVC-ClinicDB mu of 1 (the
# paper's 10 collapses the polyp pseudo labels with this network:
# configs/kvasir2cvc/README.md).
_base_ = ['./bl-al_deeplabv3-mnv2-os16_2k.py', '../_base_/uda/srt.py']
model = dict(
    pseudo_labeler={{_base_.pseudo_labeler}},
    srt_loss=dict(_base_.srt_loss, loss_weight=1.0))
