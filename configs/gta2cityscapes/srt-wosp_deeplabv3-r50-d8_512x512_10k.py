# Ours-woSP (Table 4): pseudo labels without the superpixel refinement
# (Algorithm 2). The pipeline still computes (cached) superpixels; unused.
_base_ = ['./srt_deeplabv3-r50-d8_512x512_10k.py']
model = dict(pseudo_labeler=dict(superpixel_refinement=False))
