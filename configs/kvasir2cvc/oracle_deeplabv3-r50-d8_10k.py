# Oracle for the paper's configuration: CVC-ClinicDB target_train WITH masks.
_base_ = ['./source-only_deeplabv3-r50-d8_10k.py']
train_dataloader = dict(
    dataset=dict(
        data_prefix=dict(
            img_path='target/images', seg_map_path='target/masks'),
        ann_file='target/train.txt'))
