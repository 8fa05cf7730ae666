from .adabn_hook import AdaBNHook
from .checkpoint_hook import AtomicCheckpointHook
from .optim_constructor import SRTOptimWrapperConstructor
from .pseudo_label_hook import PseudoLabelHook
from .training_curves import OptionalTensorboardVisBackend, TrainingCurvesHook

__all__ = [
    'AdaBNHook', 'AtomicCheckpointHook', 'SRTOptimWrapperConstructor',
    'PseudoLabelHook', 'OptionalTensorboardVisBackend', 'TrainingCurvesHook'
]
