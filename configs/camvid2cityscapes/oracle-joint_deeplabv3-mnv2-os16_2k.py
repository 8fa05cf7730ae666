# Joint oracle: the CamVid frames AND the Cityscapes training frames, both
# with pixel labels: what target pixel labels add to the source, the ceiling the
# gap is measured to.
_base_ = ['./source-only_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[{{_base_.source_train}}, {{_base_.target_train_oracle}}]))
