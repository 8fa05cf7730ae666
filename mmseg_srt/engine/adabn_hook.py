"""Target-domain batch-norm statistics at the end of training (AdaBN, Li et
al. 2016; not in the paper): the segmentor's running means and variances
re-estimated on the target images, so that the last checkpoint, its
validation and every test use the statistics of the domain they predict."""
import copy
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import DATASETS, HOOKS

from ..apis.analysis import whole_image_pipeline
from ..apis.norm_statistics import (dataset_batches,
                                    estimate_norm_statistics)


@HOOKS.register_module()
class AdaBNHook(Hook):
    """At the last training iteration, before the last checkpoint and
    validation, replace the running statistics of the segmentor's batch
    norms by those of ``dataset``'s images (their labels are not read).

    The images are read whole and resized as the config's ``test_pipeline``
    does, ``batch_size`` at a time (a short last batch is left out: each
    batch counts equally); see
    :func:`mmseg_srt.apis.estimate_norm_statistics`.

    Args:
        dataset: Config of the dataset whose images give the statistics,
            e.g. the target training set; its own pipeline is replaced.
        batch_size: Images per forward, 2 or more.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, dataset: dict, batch_size: int = 4) -> None:
        if batch_size < 2:
            raise ValueError('AdaBNHook: batch_size must be 2 or more (batch '
                             f'statistics), got {batch_size}')
        self.dataset_cfg = copy.deepcopy(dict(dataset))
        self.batch_size = batch_size

    def before_train(self, runner) -> None:
        """Build the dataset and check its size now, so that a wrong
        setting fails before training, not after it."""
        dataset_cfg = dict(
            self.dataset_cfg,
            pipeline=whole_image_pipeline(runner.cfg,
                                          dict(type='PackSRTInputs')))
        self.dataset = DATASETS.build(dataset_cfg)
        if len(self.dataset) < self.batch_size:
            raise ValueError(
                f'AdaBNHook: the dataset has {len(self.dataset)} images, '
                f'fewer than batch_size {self.batch_size}')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not self.is_last_train_iter(runner):
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        was_training = model.training
        model.eval()  # dropout off; the batch norms use batch statistics
        try:
            count = estimate_norm_statistics(
                model, dataset_batches(self.dataset, self.batch_size))
        finally:
            model.train(was_training)
        runner.logger.info(
            f'AdaBNHook: batch-norm statistics re-estimated on {count} '
            f'batches of {self.batch_size} images ({len(self.dataset)} in '
            'the dataset)')
