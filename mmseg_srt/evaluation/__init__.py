from .srt_iou_metric import SRTIoUMetric

__all__ = ['SRTIoUMetric']
