# ST-Mix + AL (not the paper): ST-Mix with the paper's output-space
# discriminator (Eq. 6) as in BL+AL; the student also segments the clean
# target batch, whose output D judges. As configs/camvid_day2dusk/st-mix-al_*.py.
_base_ = ['./st-mix_deeplabv3-mnv2-os16_2k.py', '../_base_/uda/adversarial.py']
model = dict(
    discriminator={{_base_.discriminator}},
    adversarial_loss={{_base_.adversarial_loss}})
optim_wrapper = dict(discriminator={{_base_.discriminator_optim_wrapper}})
param_scheduler = dict(discriminator={{_base_.param_scheduler.segmentor}})
