# Target-only oracle (CVC-ColonDB target_train with its pixel masks) at the
# GPU scale of source-only_deeplabv3-mnv2-os16_b8-3k_288x384.py.
_base_ = ['./source-only_deeplabv3-mnv2-os16_b8-3k_288x384.py']
train_dataloader = dict(dataset={{_base_.target_train_oracle}})
