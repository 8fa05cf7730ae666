# The full method (BL+AL+PL+SRT) on SYNTHIA -> Cityscapes (paper section
# 4.3, Table 3: 42.9 mIoU over 16 classes). For a GPU.
# Data: tools/convert_datasets/{synthia,cityscapes}.py; weights: configs/gta2cityscapes/README.md.
_base_ = ['./synthia2cityscapes/srt_deeplabv3-r50-d8_512x512_10k.py']
