# Target-only oracle: train on CVC-ColonDB target_train (288 frames of 12
# sequences) WITH its pixel masks, which the weakly-supervised methods never
# see; same test.
_base_ = ['./source-only_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(dataset={{_base_.target_train_oracle}})
