"""The adapter's target terms: L_S on pseudo labels (Eq. 3) and L_SRT (Eq. 7),
checked against hand recomputation from the same forward pass."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.reference_algorithms import IGNORE, eq5_labels

from .test_srt_adapter import (NUM_CLASSES, batch, build_adapter,
                               recording_wrappers, uda_batch)


def pseudo_labeler(**kwargs):
    """A generator without superpixels whose epoch never ends."""
    return dict(type='PseudoLabelGenerator', superpixel_refinement=False,
                **dict(dict(samples_per_epoch=10**6), **kwargs))


def target_logits(adapter, data):
    """The target's refined logits at the input size, as the step sees
    them (train mode, the target batch alone through the network)."""
    segmentor = adapter.segmentor_module
    target = segmentor.data_preprocessor(data['target'], True)
    with torch.no_grad():
        logits = segmentor.decode_head(segmentor.extract_feat(
            target['inputs']))
    return F.interpolate(
        logits, size=target['inputs'].shape[2:], mode='bilinear',
        align_corners=False)


def test_target_seg_loss_counts_only_pseudo_labelled_pixels():
    adapter = build_adapter(
        discriminator=False,
        target_cls_loss=False,
        pseudo_labeler=pseudo_labeler())
    adapter.train()
    generator = adapter.pseudo_labeler
    generator.epoch.fill_(1)
    thresholds = [0.34, 0.36, 0.35]
    generator.class_thresholds.copy_(torch.tensor(thresholds))
    data = uda_batch()
    logits = target_logits(adapter, data)
    probs = logits.softmax(1)
    labels = np.stack([eq5_labels(p, thresholds) for p in probs.numpy()])
    assert 0 < (labels != IGNORE).mean() < 1  # a real mix
    # mmseg's CrossEntropyLoss: mean over ALL pixels, ignored ones add 0.
    expected = F.cross_entropy(
        logits, torch.from_numpy(labels), ignore_index=IGNORE,
        reduction='sum') / labels.size
    log_vars = adapter.train_step(data, recording_wrappers(adapter))
    torch.testing.assert_close(log_vars['tgt.decode.loss_ce'], expected,
                               rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(
        log_vars['pl.labelled'],
        torch.tensor((labels != IGNORE).mean() * 100, dtype=torch.float32))


def test_first_epoch_target_term_is_zero_and_trains_nothing():
    adapter = build_adapter(
        discriminator=False,
        target_cls_loss=False,
        pseudo_labeler=pseudo_labeler())
    log_vars = adapter.train_step(uda_batch(), recording_wrappers(adapter))
    assert float(log_vars['tgt.decode.loss_ce']) == 0.0
    assert float(log_vars['pl.labelled']) == 0.0


def eq7_reference(adapter, data, target_labels, weight=10.0):
    """Eq. 7 of a first step (no history; alpha 1) from the S2 features of
    the step's forward: the source's labels and ``target_labels(batch,
    features)`` nearest-downsampled to the features, a literal per-class
    mean, summed over the classes both sides hold."""
    segmentor = adapter.segmentor_module
    head = segmentor.decode_head
    centroids, present = {}, {}
    with torch.no_grad():
        for domain in ('source', 'target'):
            batch = segmentor.data_preprocessor(data[domain], True)
            features = head._forward_feature(
                segmentor.extract_feat(batch['inputs']))
            if domain == 'source':
                labels = torch.stack(
                    [s.gt_sem_seg.data[0] for s in batch['data_samples']])
            else:
                labels = target_labels(batch, features)
            step = labels.shape[-1] // features.shape[-1]
            small = labels[:, ::step, ::step]
            c = torch.zeros(NUM_CLASSES, features.shape[1])
            for k in range(NUM_CLASSES):
                mask = small == k
                if mask.any():
                    c[k] = features.permute(0, 2, 3, 1)[mask].mean(0)
            centroids[domain] = c
            present[domain] = {k for k in range(NUM_CLASSES)
                               if (small == k).any()}
    both = sorted(present['source'] & present['target'])
    assert both
    d = (centroids['source'] - centroids['target'])[both]
    return weight * ((d**2).sum() + d.abs().sum())


SRT_LOSS = dict(type='SRTLoss', gamma=0.7, alpha=1.0, loss_weight=10.0,
                channel_reduction='sum')


def test_srt_loss_uses_head_features_source_labels_and_pseudo_labels():
    """One step's L_SRT equals Eq. 7 recomputed from the S2 features of the
    same forward, the source labels and the step's pseudo labels."""
    adapter = build_adapter(
        discriminator=False,
        target_cls_loss=False,
        pseudo_labeler=pseudo_labeler(),
        srt_loss=SRT_LOSS)
    adapter.train()
    thresholds = [0.34, 0.36, 0.35]
    adapter.pseudo_labeler.epoch.fill_(1)
    adapter.pseudo_labeler.class_thresholds.copy_(torch.tensor(thresholds))
    data = uda_batch()
    head = adapter.segmentor_module.decode_head

    def step_pseudo_labels(batch, features):
        logits = F.interpolate(
            head.cls_seg(features), size=batch['inputs'].shape[2:],
            mode='bilinear', align_corners=False)
        return torch.from_numpy(
            np.stack([eq5_labels(p, thresholds)
                      for p in logits.softmax(1).numpy()]))

    expected = eq7_reference(adapter, data, step_pseudo_labels)
    log_vars = adapter.train_step(data, recording_wrappers(adapter))
    torch.testing.assert_close(log_vars['srt.loss_srt'], expected,
                               rtol=1e-4, atol=1e-5)


def test_srt_ground_truth_target_labels_diagnostic():
    """srt_target_labels='ground_truth': the target centroids read the
    target batch's label maps instead of the pseudo labels; a target batch
    without them is an error naming what to configure."""
    adapter = build_adapter(
        discriminator=False,
        target_cls_loss=False,
        pseudo_labeler=pseudo_labeler(),
        srt_loss=SRT_LOSS,
        srt_target_labels='ground_truth')
    adapter.train()
    adapter.pseudo_labeler.epoch.fill_(1)
    adapter.pseudo_labeler.class_thresholds.fill_(0.34)
    data = dict(source=batch(1, image_labels=[0, 1]),
                target=batch(2, image_labels=[1, 2]))
    expected = eq7_reference(
        adapter, data, lambda target, features: torch.stack(
            [s.gt_sem_seg.data[0] for s in target['data_samples']]))
    log_vars = adapter.train_step(data, recording_wrappers(adapter))
    torch.testing.assert_close(log_vars['srt.loss_srt'], expected,
                               rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match='seg_map_path'):
        adapter.train_step(uda_batch(), recording_wrappers(adapter))
    with pytest.raises(ValueError, match='srt_target_labels'):
        build_adapter(srt_loss=SRT_LOSS, srt_target_labels='oracle')


def test_srt_without_pseudo_labels_uses_the_argmax():
    adapter = build_adapter(
        discriminator=False, srt_loss=dict(type='SRTLoss'))
    log_vars = adapter.train_step(uda_batch(), recording_wrappers(adapter))
    assert float(log_vars['srt.loss_srt']) > 0
    assert bool(adapter.srt_loss.target_seen.any())


def test_pseudo_labels_and_srt_with_other_mmseg_heads():
    """The components only need a BaseDecodeHead: mmseg's FCNHead and ASPP
    head (no S1) train with both."""
    for head in ('fcn', 'aspp', 'refined'):
        adapter = build_adapter(
            head=head,
            pseudo_labeler=pseudo_labeler(samples_per_epoch=2),
            srt_loss=dict(type='SRTLoss'))
        wrappers = recording_wrappers(adapter)
        for _ in range(3):  # an epoch ends after each step
            log_vars = adapter.train_step(uda_batch(), wrappers)
        assert float(log_vars['pl.labelled']) > 0, head
        assert torch.isfinite(log_vars['srt.loss_srt']), head
        assert int(adapter.pseudo_labeler.epoch) == 3
