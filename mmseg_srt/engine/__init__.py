from .optim_constructor import SRTOptimWrapperConstructor
from .pseudo_label_hook import PseudoLabelHook
from .training_curves import OptionalTensorboardVisBackend, TrainingCurvesHook

__all__ = [
    'SRTOptimWrapperConstructor', 'PseudoLabelHook',
    'OptionalTensorboardVisBackend', 'TrainingCurvesHook'
]
