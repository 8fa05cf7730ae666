from .optim_constructor import SRTOptimWrapperConstructor
from .pseudo_label_hook import PseudoLabelHook

__all__ = ['SRTOptimWrapperConstructor', 'PseudoLabelHook']
