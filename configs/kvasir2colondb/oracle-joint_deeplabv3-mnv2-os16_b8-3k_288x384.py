# Joint oracle (Kvasir-SEG and CVC-ColonDB target_train, both with pixel
# masks) at the GPU scale of source-only_deeplabv3-mnv2-os16_b8-3k_288x384.py.
_base_ = ['./source-only_deeplabv3-mnv2-os16_b8-3k_288x384.py']
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[{{_base_.source_train}}, {{_base_.target_train_oracle}}]))
