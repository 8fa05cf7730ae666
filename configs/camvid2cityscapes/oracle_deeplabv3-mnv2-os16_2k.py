# Target-only oracle: the 992 Cityscapes training frames WITH their label
# maps, which the weakly-supervised rows never see; same test.
_base_ = ['./source-only_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(dataset={{_base_.target_train_oracle}})
