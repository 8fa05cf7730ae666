# ST-Mix + RCS with every part as DAFormer (lhoyer/DAFormer, dacs.py,
# uda_dataset.py) has it where ST-Mix differs (issue: ST-Mix as DAFormer does
# it); each is an option of today's preset, measured alone in the README:
#   - no photometric distortion in the pipelines (the teacher labels the clean
#     target crop) and colour jitter and blur of the mixed images (kornia's
#     jitter at strength 0.2, the coins flipped once per batch): the base;
#   - the EMA teacher's momentum max(m, 1 / (t + 1)) (alpha_t);
#   - one confident share per batch as the pseudo labels' weight;
#   - the rare-class draw cropped again, up to 10 times, until the crop holds
#     more than min_pixels * 0.5 pixels of the class, with min_pixels 260
#     (DAFormer's 3000 of a 1914x1052 map, 0.15 %, of a 480x360 one).
_base_ = ['./st-mix-rcs-clean-jitter_deeplabv3-mnv2-os16_2k.py']
model = dict(teacher_warmup=True, pseudo_labeler=dict(weighting='batch'))
train_dataloader = dict(
    sampler=dict(
        source_sampler=dict(min_pixels=260, min_crop_ratio=0.5,
                            crop_tries=10)))
