from .class_mix import ClassMix
from .srt_adapter import SRTAdapter, decode_head_outputs

__all__ = ['ClassMix', 'SRTAdapter', 'decode_head_outputs']
