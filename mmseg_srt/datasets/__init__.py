from .camvid import CamVidDataset
from .endosynth import generate_endosynth
from .endosynth_dataset import EndoSynthDataset
from .fda import FDAStyle, fda_source_to_target
from .lesion_dataset import LesionSegDataset
from .pseudo_label_region import IgnorePseudoLabelRows
from .rare_class_sampling import (ClassCrop, RareClassSampler,
                                  class_pixel_counts, label_map_pixel_counts,
                                  rare_class_probabilities)
from .source_target_dataset import (SourceTargetDataset,
                                    SourceTargetInfiniteSampler)
from .superpixels import SuperpixelSLIC
from .transforms import (ImageLabelsFromSegMap, ImageLabelsOfCrop,
                         ImageLabelsUnknown, PackSRTInputs)
from .urban import CityscapesWeakDataset, GTADataset, SynthiaDataset
from .weak_seg_dataset import (ImageLabels, WeakSegDataset,
                               check_same_classes, read_image_label_file,
                               read_image_labels)

__all__ = [
    'generate_endosynth', 'EndoSynthDataset', 'LesionSegDataset',
    'SourceTargetDataset', 'SourceTargetInfiniteSampler',
    'ImageLabelsFromSegMap', 'PackSRTInputs', 'SuperpixelSLIC',
    'WeakSegDataset',
    'check_same_classes', 'read_image_labels', 'GTADataset', 'SynthiaDataset',
    'CityscapesWeakDataset', 'CamVidDataset', 'ImageLabels',
    'read_image_label_file', 'ImageLabelsOfCrop', 'ImageLabelsUnknown',
    'FDAStyle',
    'fda_source_to_target', 'RareClassSampler', 'class_pixel_counts',
    'label_map_pixel_counts', 'rare_class_probabilities', 'ClassCrop',
    'IgnorePseudoLabelRows'
]
