from .class_mix import ClassMix, CutMix
from .color_jitter_blur import ColorJitterBlur
from .srt_adapter import SRTAdapter, decode_head_outputs

__all__ = ['ClassMix', 'ColorJitterBlur', 'CutMix', 'SRTAdapter',
           'decode_head_outputs']
