# ST-Mix + the weak-label pooling loss (Paul et al. 2020) on the segmentor's
# logits of the clean dusk crops (which it then forwards: one more forward
# and backward per step), weight 0.1.
_base_ = ['./st-mix_deeplabv3-mnv2-os16_2k.py']
model = dict(
    weak_label_loss=dict(type='ImageLabelPoolingLoss', loss_weight=0.1))
