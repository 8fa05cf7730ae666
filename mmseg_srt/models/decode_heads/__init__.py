from .cls_refined_aspp_head import ClsRefinedASPPHead, HeadOutputs

__all__ = ['ClsRefinedASPPHead', 'HeadOutputs']
