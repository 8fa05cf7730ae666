# Ours-woPL (Table 2): pseudo labels still give the SRT target centroids but
# do not train L_S's target term.
_base_ = ['./srt_deeplabv3-mnv2-os16_2k.py']
model = dict(pseudo_label_loss=False)
