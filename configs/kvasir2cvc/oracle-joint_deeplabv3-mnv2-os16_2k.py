# Joint oracle: Kvasir-SEG AND CVC-ClinicDB target_train, both with pixel
# masks. The target-only oracle sees 428 frames of 20 videos; with the 900
# source images as well it bounds what pixel labels of the target can add.
_base_ = ['./source-only_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[{{_base_.source_train}}, {{_base_.target_train_oracle}}]))
