from .adversarial import OutputSpaceAdversary
from .class_mix import ClassMix, CutMix
from .color_jitter_blur import ColorJitterBlur
from .self_training import SelfTraining
from .srt_adapter import SRTAdapter
from .srt_alignment import SRTAlignment
from .teacher import EMATeacher

__all__ = [
    'ClassMix', 'ColorJitterBlur', 'CutMix', 'EMATeacher',
    'OutputSpaceAdversary', 'SelfTraining', 'SRTAdapter', 'SRTAlignment'
]
