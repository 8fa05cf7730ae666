# ST-Mix + RCS + croppl + the weak-label classification loss as Paul et al.
# (ECCV 2020; sujoyp/weak-da-seg) define it: log-mean-exp pooling of the
# segmentor's logits of the clean Cityscapes crops, and image labels by
# their present-class rule (present above 0.1 of the class's mean area,
# unknown below it, absent with none: target/image_labels_mean_area.txt,
# written by tools/prepare_camvid2cityscapes.sh). The veto reads the same
# labels (absent is unchanged). Weight 0.1, the pooling-loss row's (theirs,
# 0.01, is for 120k iterations). Its -noil twin is st-mix-rcs-croppl-noil.
_base_ = ['./st-mix-rcs-croppl_deeplabv3-mnv2-os16_2k.py']
model = dict(
    weak_label_loss=dict(
        type='ImageLabelPoolingLoss', pooling='lse', loss_weight=0.1))
train_dataloader = dict(
    dataset=dict(
        target=dict(image_label_file='target/image_labels_mean_area.txt')))
