# ST-Mix + AL + the weak-label pooling loss (not the paper): the two
# additions that each lift ST-Mix here (configs st-mix-al and st-mix-pool),
# together.
_base_ = ['./st-mix-al_deeplabv3-r18tiny_1.5k.py']
model = dict(
    weak_label_loss=dict(type='ImageLabelPoolingLoss', loss_weight=0.1))
