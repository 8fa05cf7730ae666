# ST-Mix (not the paper): self-training with cross-domain class mixing, the
# recipe of the strongest self-training methods (DACS, DAFormer) with the
# target's image labels, to be added to an SRTAdapter model (see
# configs/camvid_day2dusk/st-mix_deeplabv3-mnv2-os16_2k.py):
#   model = dict(pseudo_labeler={{_base_.pseudo_labeler}},
#                class_mix={{_base_.class_mix}},
#                teacher_momentum={{_base_.teacher_momentum}},
#                teacher_norm_stats={{_base_.teacher_norm_stats}})
# Its parts (configs/camvid_day2dusk/README.md measures each):
#   - an EMA teacher labels each clean target image (m = 0.01: about the
#     last 100 steps, for schedules of a few thousand), with the target
#     batch's own batch-norm statistics, as DAFormer's teacher;
#   - every pixel gets the teacher's argmax among the classes the image's
#     labels allow (present or unknown), each image's term weighted by the
#     share of its pixels the teacher is sure of (top probability >= 0.968,
#     DAFormer's threshold);
#   - the segmentor trains on source images of which half the classes are
#     pasted into those target images (ClassMix, DACS), never on the clean
#     target alone.
# The preset the benchmarks recommend, ST-Mix + RCS, adds rare-class
# sampling of the source images (DAFormer). It is the dataloader's sampler,
# not the model's, so a dataset's config sets it, with min_pixels for its
# frame size (the benchmarks' st-mix-rcs configs):
#   train_dataloader = dict(sampler=dict(source_sampler=dict(
#       type='RareClassSampler', temperature=0.01, min_pixels=...)))
# Not in it, measured on top of it (each benchmark's README): colour jitter
# and blur of the mixed images (model.mix_transform=dict(type=
# 'ColorJitterBlur'), DACS), FDA, AdaBN, the pooling loss, D.
pseudo_labeler = dict(
    type='ConfidencePseudoLabeler',
    confidence_threshold=0.968,
    use_image_labels=True)
class_mix = dict(type='ClassMix')
teacher_momentum = 0.01
teacher_norm_stats = 'batch'
