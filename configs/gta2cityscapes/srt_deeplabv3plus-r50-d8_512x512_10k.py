# Mixing: the paper's SRT settings (AL + PL + SRT) on another mmseg
# architecture, DeepLab-v3+ (mmseg's DepthwiseSeparableASPPHead). The
# centroids are taken from what the head's classifier sees (its decoder
# output, 512 channels); nothing else changes.
_base_ = ['./srt_deeplabv3-r50-d8_512x512_10k.py']
model = dict(
    segmentor=dict(
        decode_head=dict(
            _delete_=True,
            type='DepthwiseSeparableASPPHead',
            in_channels=2048,
            in_index=3,
            channels=512,
            dilations=(1, 12, 24, 36),
            c1_in_channels=256,
            c1_channels=48,
            dropout_ratio=0.1,
            num_classes=19,
            norm_cfg=dict(type='SyncBN', requires_grad=True),
            align_corners=False,
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=False,
                loss_weight=1.0))))
