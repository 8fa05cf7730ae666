# The full method (BL+AL+PL+SRT) on Kvasir-SEG -> CVC-ClinicDB, CPU-sized:
# DeepLab-v3 MobileNetV2 OS16, 256x192 crops, batch 4, 2k iterations.
# Data: bash tools/prepare_kvasir2cvc.sh; ImageNet weights: configs/kvasir2cvc/README.md.
_base_ = ['./kvasir2cvc/srt_deeplabv3-mnv2-os16_2k.py']
