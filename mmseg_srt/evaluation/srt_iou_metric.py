"""IoU per class and mIoU as the paper reports them (section 4.1).

mmseg's ``IoUMetric`` prints the per-class table but returns only the means.
``SRTIoUMetric`` also returns every class's IoU (``IoU.<class>``, so they
reach the log and the visualizer backends), the medical table's names when
the classes are ``normal`` and ``lesion`` (``IoUn``, ``IoUd``, paper
Table 1), and means over named class subsets, e.g. the 16 and 13 classes of
SYNTHIA -> Cityscapes (``class_subsets=dict(mIoU16=[...], mIoU13=[...])``).
With ``'mFscore'`` in ``iou_metrics`` each class's precision and recall come
too (``Precision.<class>``, ``Recall.<class>``): whether a model over- or
under-segments a class, which one IoU cannot tell.
"""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

# The medical table's column names (paper Table 1).
MEDICAL_NAMES = {'normal': 'IoUn', 'lesion': 'IoUd'}


@METRICS.register_module()
class SRTIoUMetric(IoUMetric):
    """``IoUMetric`` that also reports per-class IoU and subset means.

    Args:
        class_subsets: Name of a mean -> the classes it averages over.
        **kwargs: As for mmseg's ``IoUMetric``.
    """

    def __init__(self,
                 class_subsets: Optional[Dict[str, Sequence[str]]] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.class_subsets = dict(class_subsets or {})

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics(results)
        if self.format_only:
            return metrics
        intersect, union, pred, label = (sum(r) for r in zip(*results))
        iou = (intersect / union).numpy() * 100  # nan where union is 0
        class_names = list(self.dataset_meta['classes'])
        per_class = OrderedDict(
            (name, float(np.round(value, 2)))
            for name, value in zip(class_names, iou))
        for name, value in per_class.items():
            metrics[f'IoU.{name}'] = value
        if 'mFscore' in self.metrics:
            # mmseg's own per-class values, the ones its table prints.
            scores = self.total_area_to_metrics(intersect, union, pred, label,
                                                ['mFscore'], self.nan_to_num,
                                                self.beta)
            for key in ('Precision', 'Recall'):
                for name, value in zip(class_names, scores[key]):
                    metrics[f'{key}.{name}'] = float(np.round(value * 100, 2))
        for subset, names in self.class_subsets.items():
            unknown = set(names) - set(class_names)
            if unknown:
                raise ValueError(f'class_subsets[{subset!r}] names classes '
                                 f'{sorted(unknown)} not in {class_names}')
            values = [iou[class_names.index(name)] for name in names]
            metrics[subset] = float(np.round(np.nanmean(values), 2))
        if set(MEDICAL_NAMES) <= set(class_names):
            for name, alias in MEDICAL_NAMES.items():
                metrics[alias] = per_class[name]
            print_log(
                'IoUn: {:.2f}  IoUd: {:.2f}  mIoU: {:.2f}'.format(
                    metrics['IoUn'], metrics['IoUd'], metrics['mIoU']),
                logger=MMLogger.get_current_instance())
        return metrics
