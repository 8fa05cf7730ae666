# Joint oracle: Kvasir-SEG AND CVC-ColonDB target_train, both with pixel
# masks: what the target's pixel labels add to the source's, the ceiling a
# method with the target's image labels only is measured against.
_base_ = ['./source-only_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[{{_base_.source_train}}, {{_base_.target_train_oracle}}]))
