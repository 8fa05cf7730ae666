# Output-space adversarial learning (paper Eq. 6, section 3.3-3.4), to be
# combined with a segmentor and a dataset base. A child config wraps its
# segmentor (see configs/srt_endosynth.py):
#   model = dict(_delete_=True, type='SRTAdapter',
#                segmentor={{_base_.model}},
#                discriminator={{_base_.discriminator}},
#                adversarial_loss={{_base_.adversarial_loss}})
# Set discriminator = None (and drop optim_wrapper.discriminator) for no AL.
discriminator = dict(
    type='OutputSpaceDiscriminator', channels=(16, 32, 64, 64),
    negative_slope=0.2)
# eta = 0.3 for the medical data (paper Fig. 5); 'vanilla' is Eq. 6's
# cross-entropy, 'lsgan' the least-squares variant.
adversarial_loss = dict(
    type='AdversarialLoss', gan_type='vanilla', loss_weight=0.3,
    loss_name='loss_adv')
# Paper 3.4: Adam, lr 1e-4 for both networks; D follows the segmentor's
# decay schedule (child configs: param_scheduler = dict(segmentor=...,
# discriminator=... the same list)). Give schedulers an explicit `end`:
# mmengine fills a missing one with max_iters and saves it, so a run resumed
# with a longer max_iters would stop decaying.
discriminator_optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99)))
# Segmentor and D in separate DDP wrappers; the adapter's train_step drives
# both optimizers.
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
