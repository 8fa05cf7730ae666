"""SRTIoUMetric against IoU computed by hand (paper section 4.1)."""
import math

import pytest
import torch

from mmseg_srt.evaluation import SRTIoUMetric


def _sample(pred, gt):
    return dict(
        pred_sem_seg=dict(data=torch.tensor([pred])),
        gt_sem_seg=dict(data=torch.tensor([gt])))


def _evaluate(metric, samples):
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def test_medical_names_and_per_class_iou():
    metric = SRTIoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=('normal', 'lesion'))
    # Image 1: 6 pixels, image 2: 4 pixels (255 ignored).
    samples = [
        _sample([[0, 0, 0], [1, 1, 0]], [[0, 0, 0], [1, 1, 1]]),
        _sample([[1, 0], [0, 0]], [[1, 1], [255, 0]]),
    ]
    metrics = _evaluate(metric, samples)
    # normal: intersection 3 + 1 = 4; pred 4 + 2 (the ignored pixel does
    # not count) = 6; gt 3 + 1 = 4; union 6 + 4 - 4 = 6 -> 66.67 %.
    # lesion: intersection 2 + 1 = 3; pred 2 + 1 = 3; gt 3 + 2 = 5;
    # union 3 + 5 - 3 = 5 -> 60 %.
    assert metrics['IoUn'] == metrics['IoU.normal'] == pytest.approx(66.67)
    assert metrics['IoUd'] == metrics['IoU.lesion'] == pytest.approx(60.)
    assert metrics['mIoU'] == pytest.approx(63.33)
    assert not any('loss' in key for key in metrics)
    assert not any(key.startswith(('Precision', 'Recall')) for key in metrics)


def test_per_class_precision_and_recall_with_mfscore():
    metric = SRTIoUMetric(iou_metrics=['mIoU', 'mFscore'])
    metric.dataset_meta = dict(classes=('normal', 'lesion'))
    # The lesion predicted one pixel too wide in image 1, missed in image 2.
    samples = [
        _sample([[0, 1, 1], [0, 1, 1]], [[0, 0, 1], [0, 1, 1]]),
        _sample([[0, 0], [0, 0]], [[0, 1], [1, 0]]),
    ]
    metrics = _evaluate(metric, samples)
    # lesion: predicted 4, of which 3 right; 3 + 2 = 5 lesion pixels.
    assert metrics['Precision.lesion'] == pytest.approx(75.)
    assert metrics['Recall.lesion'] == pytest.approx(60.)
    # normal: predicted 2 + 4 = 6, of which 2 + 2 = 4 right; 3 + 2 = 5.
    assert metrics['Precision.normal'] == pytest.approx(66.67)
    assert metrics['Recall.normal'] == pytest.approx(80.)
    # IoU lesion 3 / (4 + 5 - 3); mmseg's own means are still there.
    assert metrics['IoUd'] == pytest.approx(50.)
    assert metrics['mPrecision'] == pytest.approx((200. / 3 + 75.) / 2,
                                                  abs=0.01)


def test_class_subsets_and_absent_classes():
    metric = SRTIoUMetric(
        iou_metrics=['mIoU'],
        class_subsets=dict(mIoU2=['road', 'car']))
    metric.dataset_meta = dict(classes=('road', 'sky', 'car'))
    samples = [_sample([[0, 0, 2, 2]], [[0, 2, 2, 2]])]
    metrics = _evaluate(metric, samples)
    # road 1/2, car 2/3, sky absent from both -> NaN, left out of means.
    assert metrics['IoU.road'] == pytest.approx(50.)
    assert metrics['IoU.car'] == pytest.approx(66.67)
    assert math.isnan(metrics['IoU.sky'])
    assert metrics['mIoU2'] == pytest.approx((50. + 200. / 3) / 2, abs=0.01)
    assert 'IoUn' not in metrics
    with pytest.raises(ValueError, match='bus'):
        bad = SRTIoUMetric(class_subsets=dict(m=['bus']))
        bad.dataset_meta = dict(classes=('road', 'sky', 'car'))
        _evaluate(bad, samples)
