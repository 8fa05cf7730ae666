# ST-Mix with the paper's pseudo labels (not in the paper): the EMA teacher's
# labels made by Algorithms 1-2 (configs/_base_/uda/srt.py: class-balanced
# thresholds at p = 25-55 % of each class's predicted pixels, superpixel
# voting; the rest ignored), within the image labels, instead of the
# confidence-weighted argmax; ClassMix as in ST-Mix.
_base_ = ['./st-mix_deeplabv3-r18tiny_1.5k.py']
model = dict(
    pseudo_labeler=dict(
        _delete_=True,
        type='PseudoLabelGenerator',
        portion_start=0.25,
        portion_step=0.05,
        portion_max=0.55,
        class_balanced=True,
        superpixel_refinement=True,
        use_image_labels=True))
custom_hooks = [dict(type='PseudoLabelHook')]
