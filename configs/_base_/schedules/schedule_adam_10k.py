# The paper's schedule (see schedule_adam_2k.py) over 10k iterations.
_base_ = ['./schedule_adam_2k.py']
param_scheduler = [
    dict(
        type='ExponentialLR',
        gamma=0.7**(1 / 950),
        begin=0,
        end=10000,
        by_epoch=False)
]
train_cfg = dict(max_iters=10000, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
