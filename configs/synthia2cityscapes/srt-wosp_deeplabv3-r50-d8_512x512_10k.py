# Ours-woSP (paper Table 3): the GTA5 -> Cityscapes row with
# SYNTHIA-RAND-CITYSCAPES as the source, scored by the 16- and 13-class
# means.
_base_ = ['../gta2cityscapes/srt-wosp_deeplabv3-r50-d8_512x512_10k.py']
train_dataloader = dict(dataset=dict(source={{_base_.synthia_train}}))
val_evaluator = {{_base_.synthia_evaluator}}
test_evaluator = val_evaluator
