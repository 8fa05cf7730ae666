"""Training curves for the visualizer backends: every loss term (L_S, L_C,
L_adv, L_SRT, D's loss), p, the class thresholds exp(-lambda_k) and the SRT
centroid distances, at every iteration, unsmoothed.

mmengine's ``LoggerHook`` writes window means every ``interval`` iterations
(50 in our configs) with a text line each time; ``TrainingCurvesHook`` sends
what ``train_step`` returned for each iteration to the backends under
``curves/<name>`` without printing, so a curve shows what the pseudo labels
and centroids did between log lines. ``OptionalTensorboardVisBackend`` adds
TensorBoard event files when TensorBoard is installed and stays silent when
it is not, so one config serves both machines.
"""
import warnings

import torch
from mmengine.hooks import Hook
from mmengine.visualization import TensorboardVisBackend
from mmseg.registry import HOOKS, VISBACKENDS


@HOOKS.register_module()
class TrainingCurvesHook(Hook):
    """Send each iteration's outputs of ``train_step`` to the visualizer.

    Args:
        interval: Every this many iterations.
        prefix: Prepended to each name, keeping the curves apart from the
            LoggerHook's window means.
    """

    priority = 'BELOW_NORMAL'

    def __init__(self, interval: int = 1, prefix: str = 'curves/') -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.interval = interval
        self.prefix = prefix

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if not outputs or not self.every_n_train_iters(runner, self.interval):
            return
        scalars = {
            self.prefix + name:
            float(value.detach() if torch.is_tensor(value) else value)
            for name, value in outputs.items()
        }
        runner.visualizer.add_scalars(scalars, step=runner.iter + 1)


class _NoWriter:
    """Takes any SummaryWriter call and does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


@VISBACKENDS.register_module()
class OptionalTensorboardVisBackend(TensorboardVisBackend):
    """mmengine's ``TensorboardVisBackend`` when ``tensorboard`` can be
    imported; otherwise one warning and nothing written."""

    def _init_env(self):
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            warnings.warn('TensorBoard is not installed: no event files '
                          '(pip install tensorboard to get them)')
            self._tensorboard = _NoWriter()
            return
        super()._init_env()
