# The paper's urban network (section 4.3): its DeepLab-v3 ResNet-50 at output
# stride 8 (section 3.3) with S1 removed, "for a fair comparison" with the
# urban methods: mmseg's plain ASPPHead over the 19 Cityscapes classes.
_base_ = ['./deeplabv3_r50-d8.py']
model = dict(
    decode_head=dict(
        _delete_=True,
        type='ASPPHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        dilations=(1, 12, 24, 36),
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg={{_base_.norm_cfg}},
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
