from .optim_constructor import SRTOptimWrapperConstructor

__all__ = ['SRTOptimWrapperConstructor']
