# CPU-sized DeepLab-v3 for real endoscopy: mmseg's MobileNetV2 (ImageNet
# weights converted by tools/model_converters/mobilenetv2_to_mmseg.py) at
# output stride 16 (the paper's ResNet-50 runs at 8, section 3.3), with the
# classification-refined head (S1 + S2, paper 3.1).
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='MobileNetV2',
        widen_factor=1.,
        # Output stride 16: layer4 keeps its stride, layer6 dilates instead.
        strides=(1, 2, 2, 2, 1, 1, 1),
        dilations=(1, 1, 1, 1, 1, 2, 2),
        out_indices=(1, 2, 4, 6),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU6'),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='pretrain/mobilenetv2_imagenet_mmseg.pth')),
    decode_head=dict(
        type='ClsRefinedASPPHead',
        in_channels=320,
        in_index=3,
        channels=128,
        dilations=(1, 6, 12, 18),
        dropout_ratio=0.1,
        num_classes=2,
        norm_cfg=norm_cfg,
        align_corners=False,
        use_classifier=True,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_cls=dict(
            type='CrossEntropyLoss',
            use_sigmoid=True,
            loss_weight=1.0,
            loss_name='loss_cls')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
