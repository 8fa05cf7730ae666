# A diagnostic, not a Table 2 row: Ours with lesion-free target images whose
# image label {normal} can veto false polyps. CVC-ClinicDB has none (every
# frame holds a polyp), so tools/convert_datasets/polyp_free_crops.py makes
# them from polyp-free quadrants of the training frames, reading the target
# masks to find them (README, "Where the extra polyp area lies"). Their
# image label keeps the pseudo labels to {normal} (use_image_labels) and
# trains S1 on "no polyp".
_base_ = ['../srt_deeplabv3-mnv2-os16_2k.py']
train_dataloader = dict(
    dataset=dict(
        target=dict(
            ann_file='target/train_free.txt',
            image_label_file='target/image_labels_free.txt')))
model = dict(pseudo_labeler=dict(use_image_labels=True))
