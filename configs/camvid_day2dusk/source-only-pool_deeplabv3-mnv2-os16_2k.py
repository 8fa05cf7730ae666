# BL + the weak-label pooling loss (Paul et al. 2020; not in the paper): the
# source-only segmentor also forwards the dusk crops, and S2's logits of
# each, pooled by a spatial softmax, are trained against the image labels
# (weight 0.1, as in st-mix-pool). ST-Mix's adapter, data and schedule with
# its teacher, pseudo labels and mix taken out: no pseudo labels, no
# discriminator, no S1 loss on the target. The dusk crops pass the batch
# norms in training mode, so their running statistics hold dusk pixels too.
_base_ = ['./st-mix_deeplabv3-mnv2-os16_2k.py']
model = dict(
    pseudo_labeler=None,
    class_mix=None,
    teacher_momentum=None,
    weak_label_loss=dict(type='ImageLabelPoolingLoss', loss_weight=0.1))
