# The paper's network (section 3.3): DeepLab-v3 on an ImageNet ResNet-50
# with the last two stages at stride 1 (output stride 8), dilations
# {1, 2, 4} in the last block (multi-grid), ASPP + pixel classifier (S2) and
# the image classifier S1 refining S2. ImageNet weights are read from a
# local file: a torchvision resnet50 state dict (its keys match mmseg's
# ResNet), e.g. converted once on a machine with internet access.
norm_cfg = dict(type='SyncBN', requires_grad=True)
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
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        multi_grid=(1, 2, 4),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(
            type='Pretrained', checkpoint='pretrain/resnet50_imagenet.pth')),
    decode_head=dict(
        type='ClsRefinedASPPHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        dilations=(1, 12, 24, 36),
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
