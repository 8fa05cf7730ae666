# ST-Mix + AL with the paper's pseudo labels (not in the paper): st-mix-alg1
# (Algorithms 1-2 on the EMA teacher, ClassMix) with BL+AL's discriminator,
# as st-mix-al adds it to ST-Mix.
_base_ = ['./st-mix-alg1_deeplabv3-r18tiny_1.5k.py', '../_base_/uda/adversarial.py']
model = dict(
    discriminator={{_base_.discriminator}},
    adversarial_loss={{_base_.adversarial_loss}})
optim_wrapper = dict(discriminator={{_base_.discriminator_optim_wrapper}})
param_scheduler = dict(discriminator={{_base_.param_scheduler.segmentor}})
