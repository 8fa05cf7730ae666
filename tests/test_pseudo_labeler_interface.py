"""The pseudo-labeler interface (BasePseudoLabeler): a third labeler,
written here in a few lines, trains inside SRTAdapter and is set up by
PseudoLabelHook without either being edited; both shipped labelers give
through ``label`` what their own ``forward`` gives."""

import pytest
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from mmseg_srt.models.pseudo_labels import (BasePseudoLabeler,
                                            ConfidencePseudoLabeler,
                                            PseudoLabelGenerator,
                                            PseudoLabels)

from .test_adapter_pseudo_labels_srt import target_logits
from .test_srt_adapter import build_adapter, recording_wrappers, uda_batch

IGNORE = 255


@MODELS.register_module(force=True)
class FixedThresholdPseudoLabeler(BasePseudoLabeler):
    """Argmax where the top probability reaches a fixed threshold, else
    unlabelled (FixMatch's rule); counts epochs only to test the hook."""
    needs_samples_per_epoch = True

    def __init__(self, num_classes, threshold=0.5, **kwargs):
        super().__init__(num_classes, **kwargs)
        self.threshold = threshold

    def label(self, probs, valid=None, image_labels=None,
              image_label_weights=None, superpixels=None) -> PseudoLabels:
        confidence, labels = probs.max(1)
        labels[confidence < self.threshold] = self.ignore_index
        return PseudoLabels(labels, None,
                            {'kept': (labels != self.ignore_index).float()
                             .mean() * 100})


def test_a_third_labeler_trains_inside_the_adapter():
    """The step's target term is the cross-entropy of the logits against
    the third labeler's labels, recomputed here by its rule (the adapter
    hands it softmax probabilities at the input size)."""
    adapter = build_adapter(
        discriminator=False,
        target_cls_loss=False,
        pseudo_labeler=dict(type='FixedThresholdPseudoLabeler',
                            threshold=0.36))
    adapter.train()
    data = uda_batch()
    logits = target_logits(adapter, data)
    confidence, labels = logits.softmax(1).max(1)
    labels[confidence < 0.36] = IGNORE
    assert 0 < (labels != IGNORE).float().mean() < 1  # a real mix
    expected = F.cross_entropy(
        logits, labels, ignore_index=IGNORE, reduction='sum') / labels.numel()
    log_vars = adapter.train_step(data, recording_wrappers(adapter))
    torch.testing.assert_close(log_vars['tgt.decode.loss_ce'], expected,
                               rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(
        log_vars['pl.kept'], (labels != IGNORE).float().mean() * 100)


def test_an_object_that_is_no_labeler_is_refused_by_name():
    MODELS.register_module(name='NotALabeler', module=torch.nn.Identity,
                           force=True)
    with pytest.raises(TypeError, match='BasePseudoLabeler.*Identity'):
        build_adapter(discriminator=False,
                      pseudo_labeler=dict(type='NotALabeler'))


def _probs(seed=0, shape=(2, 3, 6, 5)):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator).mul(3).softmax(1)


def test_confidence_labeler_label_is_forward_plus_its_weight_log():
    """``label`` gives ``forward``'s labels and weights; its ``weight`` log
    is each image's share of weighted valid pixels, by hand."""
    probs = _probs()
    valid = torch.ones(2, 6, 5, dtype=torch.bool)
    valid[1, :, 3:] = False  # padding on the right of image 1
    labeler = ConfidencePseudoLabeler(3, confidence_threshold=0.8)
    labels, weights = ConfidencePseudoLabeler(
        3, confidence_threshold=0.8)(probs, valid)
    out = labeler.label(probs, valid)
    assert torch.equal(out.labels, labels) and torch.equal(
        out.weights, weights)
    confident = probs.max(1).values >= 0.8
    shares = [confident[0].float().mean(),
              (confident[1] & valid[1]).sum() / valid[1].sum()]
    assert float(out.log_vars['weight']) == pytest.approx(
        float(sum(shares) / 2 * 100), rel=1e-6)


def test_generator_label_logs_what_the_labels_were_made_with():
    """The paper's generator: ``label`` logs p and the thresholds before
    the call (which here ends the epoch and moves them), and the labelled
    share."""
    generator = PseudoLabelGenerator(
        3, superpixel_refinement=False, samples_per_epoch=2)
    generator.epoch.fill_(1)
    generator.portion.fill_(0.25)
    generator.class_thresholds.copy_(torch.tensor([0.5, 0.6, 0.7]))
    probs = _probs(1)
    expected_labels = PseudoLabelGenerator(
        3, superpixel_refinement=False, samples_per_epoch=2)
    expected_labels.load_state_dict(generator.state_dict())
    expected = expected_labels(probs)
    out = generator.label(probs)
    assert out.weights is None
    assert torch.equal(out.labels, expected)
    assert float(out.log_vars['portion']) == pytest.approx(25.0)
    assert [float(out.log_vars[f'threshold.{k}']) for k in range(3)
            ] == pytest.approx([0.5, 0.6, 0.7])
    assert float(generator.portion) == pytest.approx(0.30)  # epoch ended
    assert float(out.log_vars['labelled']) == pytest.approx(
        float((expected != IGNORE).float().mean() * 100))


@pytest.mark.slow
def test_the_hook_sets_up_a_third_labeler(tmp_path, tiny_endosynth):
    """PseudoLabelHook gives a new labeler that counts epochs one pass over
    the target set per rank, and its warm-up from the schedule, in a real
    Runner (one iteration of the quick start's config)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from .conftest import write_tiny_uda_config
    config = write_tiny_uda_config(
        tmp_path, tiny_endosynth, max_iters=1, checkpoint_interval=1,
        extra="model.update(pseudo_labeler=dict(_delete_=True, "
        "type='FixedThresholdPseudoLabeler'))\n"
        "custom_hooks = [dict(type='PseudoLabelHook', warmup_ratio=0.5)]")
    cfg = Config.fromfile(str(config))
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    runner.train()
    labeler = runner.model.pseudo_labeler
    assert isinstance(labeler, FixedThresholdPseudoLabeler)
    assert labeler.samples_per_epoch == 8  # the tiny target set, one rank
    assert labeler.warmup_samples == 1  # ceil(0.5 * 1 iteration * batch 2)
