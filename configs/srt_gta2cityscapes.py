# The full method (BL+AL+PL+SRT) on GTA5 -> Cityscapes, the paper's urban
# setting (section 4.3, Table 4: 47.2 mIoU over 19 classes): DeepLab-v3
# ResNet-50 without S1, 512x512 crops, batch 4, 10k iterations. For a GPU.
# Data: tools/convert_datasets/{gta,cityscapes}.py; weights: configs/gta2cityscapes/README.md.
_base_ = ['./gta2cityscapes/srt_deeplabv3-r50-d8_512x512_10k.py']
