# BL+AL+SRT (Table 4): no pseudo-label generator; the SRT target centroids
# use the segmentor's argmax on every target pixel.
_base_ = ['./srt_deeplabv3-r50-d8_512x512_10k.py']
model = dict(pseudo_labeler=None)
custom_hooks = []
