# Ours-woSP (Table 2): pseudo labels without the superpixel refinement
# (Algorithm 2). The pipeline still computes (cached) superpixels; unused.
_base_ = ['./srt_deeplabv3-mnv2-os16_2k.py']
model = dict(pseudo_labeler=dict(superpixel_refinement=False))
