# Ours-woCB (Table 2): one confidence threshold for all classes instead of
# class-balanced ones (Algorithm 1 over all pixels together).
_base_ = ['./srt_deeplabv3-mnv2-os16_2k.py']
model = dict(pseudo_labeler=dict(class_balanced=False))
