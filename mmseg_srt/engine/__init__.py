from .adabn_hook import AdaBNHook
from .optim_constructor import SRTOptimWrapperConstructor
from .pseudo_label_hook import PseudoLabelHook
from .training_curves import OptionalTensorboardVisBackend, TrainingCurvesHook

__all__ = [
    'AdaBNHook',     'SRTOptimWrapperConstructor', 'PseudoLabelHook',
    'OptionalTensorboardVisBackend', 'TrainingCurvesHook'
]
