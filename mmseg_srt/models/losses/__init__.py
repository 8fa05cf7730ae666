from .adversarial_loss import SOURCE_LABEL, TARGET_LABEL, AdversarialLoss
from .image_label_pooling_loss import (ImageLabelPoolingLoss,
                                       log_mean_exp_pooling,
                                       max_probability_pooling,
                                       softmax_pooling)
from .srt_loss import (SRTLoss, class_sums, downsample_labels,
                       upsampled_class_sums)

__all__ = [
    'AdversarialLoss', 'SOURCE_LABEL', 'TARGET_LABEL', 'SRTLoss',
    'class_sums', 'downsample_labels', 'upsampled_class_sums',
    'ImageLabelPoolingLoss', 'log_mean_exp_pooling',
    'max_probability_pooling', 'softmax_pooling'
]
