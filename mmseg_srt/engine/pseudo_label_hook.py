"""Tells a pseudo labeler what it needs of the training loop (the
``BasePseudoLabeler`` interface): how long its warm-up is and, for one that
counts epochs, how long an epoch is (paper Algorithm 1: p rises once per
pass over the target set, also under iteration-based loops)."""
import math

from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from ..models.pseudo_labels import samples_per_epoch_of


@HOOKS.register_module()
class PseudoLabelHook(Hook):
    """Sets ``model.pseudo_labeler.samples_per_epoch``, where the labeler
    ``needs_samples_per_epoch`` and the config did not set it, to one pass
    over the target training set per rank, ``ceil(len(target) /
    world_size)`` (the pass of ``SourceTargetInfiniteSampler``).

    Its state needs no saving: labelers keep theirs (epoch, p, thresholds,
    statistics, samples seen) in buffers, which checkpoints hold.

    Args:
        warmup_ratio: Not in the paper. The share of the training schedule
            (``max_iters``) before the first pseudo labels: sets the
            labeler's ``warmup_samples`` to that many iterations' target
            samples per rank. None keeps the labeler's own (the paper:
            one epoch; ``ConfidencePseudoLabeler``: none).
    """

    priority = 'NORMAL'

    def __init__(self, warmup_ratio=None) -> None:
        if warmup_ratio is not None and not 0.0 <= warmup_ratio < 1.0:
            raise ValueError('PseudoLabelHook: warmup_ratio must be in '
                             f'[0, 1), got {warmup_ratio}')
        self.warmup_ratio = warmup_ratio

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        labeler = getattr(model, 'pseudo_labeler', None)
        if labeler is None:
            runner.logger.warning(
                'PseudoLabelHook: the model has no pseudo_labeler; nothing '
                'to do')
            return
        if self.warmup_ratio is not None:
            batch_size = runner.train_dataloader.batch_size
            labeler.warmup_samples = math.ceil(
                self.warmup_ratio * runner.max_iters * batch_size)
            runner.logger.info(
                f'pseudo labels: warm-up of {labeler.warmup_samples} '
                f'target samples per rank ({self.warmup_ratio:g} of '
                f'{runner.max_iters} iterations)')
        if (not labeler.needs_samples_per_epoch
                or labeler.samples_per_epoch is not None):
            return
        dataset = runner.train_dataloader.dataset
        target = getattr(dataset, 'target', None)
        if target is None:
            raise TypeError(
                'PseudoLabelHook needs train_dataloader.dataset to be a '
                f'SourceTargetDataset, got {type(dataset).__name__}')
        labeler.samples_per_epoch = samples_per_epoch_of(
            len(target), get_world_size())
        runner.logger.info(
            f'pseudo labels: an epoch is {labeler.samples_per_epoch} target '
            f'samples per rank ({len(target)} images)')
