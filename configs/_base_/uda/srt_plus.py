# Stabilised self-training, NOT the paper: its pseudo labels and SRT loss
# (./srt.py) with five changes, each a documented option (each benchmark's
# README for what they measure):
#   - Algorithm 1's statistics on a log scale (histogram_scale='log'): the
#     thresholds resolve confidences near 1, so a threshold passes p of its
#     class instead of all of it;
#   - thresholds that follow the model using them (statistics='running'):
#     recomputed every step from histograms whose counts decay by e every
#     running_samples target samples (400: about the teacher's 100 steps at
#     batch 4), instead of fixed for an epoch from the previous one;
#   - the image-label veto (use_image_labels): a class an image's labels say
#     is absent gets no pseudo label there (weak labels that vary: a region
#     labelled {normal} holds no polyp);
#   - a class predicted nowhere during an epoch keeps its last threshold
#     (keep_silent_thresholds) instead of never getting a label again;
#   - pseudo labels from an EMA teacher of the segmentor (the adapter's
#     teacher_momentum): m = 0.01 averages about the last 100 steps; set it
#     per schedule (DAFormer's 0.001 is for 40k iterations). The teacher
#     predicts in eval mode (running batch-norm statistics), as the preset's
#     recorded runs did; teacher_norm_stats='batch' gives it each target
#     batch's own statistics, as the paper's pseudo labels (the segmentor's
#     training forward) and DAFormer's teacher have them. Which is better
#     depends on the data: 'batch' on EndoSynth, 'running' on ColonDB (each
#     README measures both; tools/analyze_norm_stats.py checks a run).
# A child config:
#   model = dict(pseudo_labeler={{_base_.pseudo_labeler}},
#                srt_loss={{_base_.srt_loss}},
#                teacher_momentum={{_base_.teacher_momentum}})
_base_ = ['./srt.py']
pseudo_labeler = dict(
    histogram_scale='log',
    statistics='running',
    running_samples=400,
    use_image_labels=True,
    keep_silent_thresholds=True)
teacher_momentum = 0.01
