# ST-Mix + RCS + croppl + L_SRT (the paper's Eq. 7 on top of self-training):
# source centroids from the CamVid labels, target centroids from the EMA
# teacher's labels of the clean Cityscapes crops within their image labels
# (those that weigh nothing, the ignored rows, left out), mu 1 as the
# benchmark's Ours. The features are upsampled to the labels (bilinear), so
# that pole, sign and pedestrian, thinner than the output stride of 16, get
# centroids. Costs one more forward of the clean target crop per step. Its
# -noil twin is st-mix-rcs-croppl-srt-noil.
_base_ = ['./st-mix-rcs-croppl_deeplabv3-mnv2-os16_2k.py']
model = dict(
    srt_loss=dict(
        type='SRTLoss',
        gamma=0.7,
        alpha=1.0,
        loss_weight=1.0,
        feature_upsampling='bilinear'))
