# A CPU-sized DeepLab-v3 (output stride 8, as the paper's section 3.3): a
# ResNet-18-V1c with 16 base channels (about 0.7 M parameters) and a narrow
# ASPP whose rates are scaled to 128x160 inputs, with the image classifier
# S1 refining it (paper 3.1). Trained from scratch.
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
        type='ResNetV1c',
        depth=18,
        stem_channels=16,
        base_channels=16,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    decode_head=dict(
        type='ClsRefinedASPPHead',
        in_channels=128,
        in_index=3,
        channels=64,
        dilations=(1, 3, 6, 9),
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
