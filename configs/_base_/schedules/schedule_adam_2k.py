# Adam, lr 1e-4, "exponential decay with the rate and step size as 0.7 and
# 950" (paper section 3.4): lr * 0.7 ** (iter / 950), the continuous form of
# TensorFlow's exponential_decay; StepLR(step_size=950, gamma=0.7) is the
# staircase reading. 2k iterations.
optimizer = dict(type='Adam', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(
        type='ExponentialLR',
        gamma=0.7**(1 / 950),
        begin=0,
        end=2000,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2000, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Written whole, outdated ones removed after (mmseg_srt.engine).
    checkpoint=dict(
        type='AtomicCheckpointHook', by_epoch=False, interval=2000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
    # Every iteration's loss terms, p, thresholds and centroid distances to
    # the visualizer backends (curves/<name>), unsmoothed and unprinted.
    curves=dict(type='TrainingCurvesHook', interval=1))
