# ST-Mix + rare-class sampling of the source images (not the paper;
# DAFormer's sampler, as in configs/camvid_day2dusk/st-mix-rcs_*): an image
# is drawn class first, P(c) = softmax((1 - f_c) / 0.01), then one holding at
# least 64 pixels of c (0.3 % of a 160x128 map; DAFormer's 3000 are 0.15 %
# of GTA5's 1914x1052 maps). With two classes the lesion takes nearly every
# draw: the source images without a lesion (a third of them) are left out.
_base_ = ['./st-mix_deeplabv3-r18tiny_1.5k.py']
train_dataloader = dict(
    sampler=dict(
        source_sampler=dict(
            type='RareClassSampler', temperature=0.01, min_pixels=64)))
