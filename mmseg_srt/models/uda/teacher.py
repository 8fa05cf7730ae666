"""The EMA teacher that makes the pseudo labels (not in the paper; Mean
Teacher, Tarvainen and Valpola 2017, as DACS and DAFormer use it).

A copy of the segmentor whose weights are buffers of the average of the
segmentor's, ``teacher = (1 - m) * teacher + m * segmentor`` after every
segmentor step (mmengine's ``ExponentialMovingAverage``; DAFormer's alpha
0.999 is m = 0.001). Its first update copies the segmentor. With
``warmup``, update t (t >= 1 after the copy) uses max(m, 1 / (t + 1)): the
teacher is the plain mean of the segmentor's weights so far until
1 / (t + 1) falls to m, so the first, barely trained weights do not make up
(1 - m)^t of it (DAFormer's alpha_t = min(1 - 1 / (t + 1), alpha)). It
labels in eval mode (dropout off), with its batch norms on their running
statistics (copied from the segmentor at every update) or on each target
batch's own.
Its weights and step count are buffers, saved and resumed with the model.
"""
from contextlib import nullcontext
from typing import Tuple

import torch
from mmengine.model import ExponentialMovingAverage
from torch import Tensor, nn

from ..utils import batch_norm_statistics, decode_head_outputs

NORM_STATS: Tuple[str, ...] = ('running', 'batch')


class EMATeacher(ExponentialMovingAverage):
    """An exponential moving average of an mmseg encoder-decoder that
    labels target batches.

    Args:
        segmentor: The student (an encoder-decoder; deep-copied).
        momentum: m, the student's share in each update, in (0, 1).
        norm_stats: ``'running'``: batch norms on their running statistics,
            as at test time; ``'batch'``: on each batch's own, as the
            segmentor's training-mode forward (the paper's pseudo labels
            come from it) and DAFormer's teacher. The ``'batch'`` forward
            leaves no trace in the running statistics.
        warmup: The momentum max(m, 1 / (t + 1)) at update t (DAFormer);
            False: m from the first average on (the benchmarks' recorded
            rows).
    """

    def __init__(self,
                 segmentor: nn.Module,
                 momentum: float,
                 norm_stats: str = 'running',
                 warmup: bool = False) -> None:
        # mmengine's ExponentialMovingAverage accepts (0, 1): m = 1 would
        # make the teacher the student itself.
        if not 0.0 < momentum < 1.0:
            raise ValueError('teacher_momentum must be in (0, 1), got '
                             f'{momentum}')
        if norm_stats not in NORM_STATS:
            raise ValueError(f'teacher_norm_stats must be one of '
                             f'{NORM_STATS}, got {norm_stats!r}')
        super().__init__(segmentor, momentum=momentum)
        self.norm_stats = norm_stats
        self.warmup = warmup

    def avg_func(self, averaged_param: Tensor, source_param: Tensor,
                 steps: int) -> None:
        """``averaged += m_t * (source - averaged)``, m_t as the class
        docstring says; ``steps`` counts the updates before this one."""
        momentum = max(self.momentum, 1.0 /
                       (int(steps) + 1)) if self.warmup else self.momentum
        averaged_param.lerp_(source_param, momentum)

    @property
    def ready(self) -> bool:
        """Whether the teacher holds an average: after its first update,
        which copies the student."""
        return int(self.steps) > 0

    @torch.no_grad()
    def seg_logits(self, inputs: Tensor) -> Tensor:
        """The teacher's decode-head logits of a preprocessed batch."""
        teacher = self.module
        was_training = teacher.training
        teacher.eval()
        norm_stats = (
            batch_norm_statistics(teacher)
            if self.norm_stats == 'batch' else nullcontext())
        try:
            with norm_stats:
                features = teacher.extract_feat(inputs)
                return decode_head_outputs(teacher.decode_head,
                                           features).seg_logits
        finally:
            teacher.train(was_training)
