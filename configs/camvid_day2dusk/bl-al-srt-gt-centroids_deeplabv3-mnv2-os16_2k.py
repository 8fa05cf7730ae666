# A diagnostic, not a Table 2 row and not weakly supervised: BL+AL+SRT whose
# target centroids read the dusk training frames' TRUE label maps
# (srt_target_labels='ground_truth'); nothing else of them reaches training
# (no pixel loss, no pseudo labels). Against BL+AL+SRT (centroids of S2's
# argmax) it tells wrong target labels from the alignment itself as the
# cause of SRT's cost (docs/experiments/camvid_day2dusk.md).
_base_ = ['./bl-al-srt_deeplabv3-mnv2-os16_2k.py']
model = dict(srt_target_labels='ground_truth')
train_dataloader = dict(
    dataset=dict(
        target=dict(
            data_prefix=dict(seg_map_path='target/masks'),
            with_seg_map=True,
            pipeline={{_base_.target_train_pipeline_with_labels}})))
