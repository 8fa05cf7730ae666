from .class_mix import ClassMix, CutMix
from .srt_adapter import SRTAdapter, decode_head_outputs

__all__ = ['ClassMix', 'CutMix', 'SRTAdapter', 'decode_head_outputs']
