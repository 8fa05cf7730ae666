# BL+AL+SRT (Table 2): no pseudo-label generator; the SRT target centroids
# use S2's argmax on every target pixel.
_base_ = ['./srt_deeplabv3-mnv2-os16_2k.py']
model = dict(pseudo_labeler=None)
custom_hooks = []
