# ST-Mix + RCS + croppl + whole frames + the weak-label pooling loss (Paul et
# al. 2020, weight 0.1) on the segmentor's logits of the clean Cityscapes
# items: on the whole frames both halves of the image labels (a present
# class must score in some pixel, an absent one in none), on the crops the
# absent half. The target forward leaves the batch norms' running
# statistics to the source and mixed batches (target_updates_norm_stats):
# with them moved, the pooling loss on crops lost 2.95 (docs/experiments/
# camvid2cityscapes.md). Its -noil twin: st-mix-rcs-croppl-whole-noil.
_base_ = ['./st-mix-rcs-croppl-whole_deeplabv3-mnv2-os16_2k.py']
model = dict(
    target_updates_norm_stats=False,
    weak_label_loss=dict(type='ImageLabelPoolingLoss', loss_weight=0.1))
