# ST-Mix + FDA + the weak-label pooling loss (not the paper): the source look
# taken off the pasted lesions (st-mix-fda) and a lesion asked for in every
# frame whose image label says lesion (st-mix-pool), together.
_base_ = ['./st-mix-fda_deeplabv3-r18tiny_1.5k.py']
model = dict(
    weak_label_loss=dict(type='ImageLabelPoolingLoss', loss_weight=0.1))
