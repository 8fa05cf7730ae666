from .srt_adapter import SRTAdapter, decode_head_outputs

__all__ = ['SRTAdapter', 'decode_head_outputs']
