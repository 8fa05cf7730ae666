# ST-Mix + the weak-label pooling loss (Paul et al. 2020) on the segmentor's
# logits of the clean target crops, weight 0.1 (as on CamVid).
_base_ = ['./st-mix_deeplabv3-r18tiny_1.5k.py']
model = dict(
    weak_label_loss=dict(type='ImageLabelPoolingLoss', loss_weight=0.1))
