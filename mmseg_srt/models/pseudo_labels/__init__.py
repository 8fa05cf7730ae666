from .base import BasePseudoLabeler, PseudoLabels
from .class_balanced_thresholds import (accumulate_histograms, class_maxima,
                                        pass_counts_of_maxima, pass_shares,
                                        pass_shares_of_maxima,
                                        threshold_from_histogram,
                                        thresholds_from_histograms)
from .confidence_pseudo_labels import (CONFIDENCE_THRESHOLD,
                                       ConfidencePseudoLabeler,
                                       allowed_by_image_labels)
from .pseudo_label_generator import (PseudoLabelGenerator,
                                     samples_per_epoch_of, stack_superpixels)
from .superpixel_refinement import refine_with_superpixels

__all__ = [
    'BasePseudoLabeler', 'PseudoLabels',
    'accumulate_histograms', 'class_maxima', 'pass_counts_of_maxima',
    'pass_shares', 'pass_shares_of_maxima', 'threshold_from_histogram',
    'thresholds_from_histograms', 'PseudoLabelGenerator',
    'samples_per_epoch_of', 'CONFIDENCE_THRESHOLD', 'ConfidencePseudoLabeler',
    'allowed_by_image_labels', 'stack_superpixels', 'refine_with_superpixels'
]
