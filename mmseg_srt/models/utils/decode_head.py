"""What the adapter and the analysis tools need of any mmseg decode head:
its refined logits, S1 logits and S2 pixel features in one forward, and its
decode loss on given label maps with a weight per pixel."""
from typing import Dict, List, Optional

from mmengine.structures import PixelData
from mmseg.models.utils import resize
from mmseg.structures import SegDataSample
from mmseg.utils import SampleList
from torch import Tensor, nn

from ..decode_heads.cls_refined_aspp_head import HeadOutputs


def decode_head_outputs(decode_head: nn.Module,
                        features: List[Tensor]) -> HeadOutputs:
    """Refined logits, S1 logits and S2 pixel features of any mmseg head.

    Heads with ``forward_with_features`` (ours) give all three. Any other
    ``BaseDecodeHead`` runs its own ``forward`` (DeepLab-v3+'s decoder,
    SegFormer's MLP fusion...); its pixel features are what that forward
    hands to ``cls_seg`` (the classifier's input, before dropout), recorded
    by a forward pre-hook on the classifier's first module (``dropout``, or
    ``conv_seg`` without dropout) for the length of the call, so the logits
    are exactly the head's. No S1.
    """
    if hasattr(decode_head, 'forward_with_features'):
        return decode_head.forward_with_features(features)
    classifier = getattr(decode_head, 'dropout', None) or getattr(
        decode_head, 'conv_seg', None)
    if classifier is None:
        return HeadOutputs(decode_head(features), None, None)
    classifier_inputs = []
    handle = classifier.register_forward_pre_hook(
        lambda module, args: classifier_inputs.append(args[0]))
    try:
        seg_logits = decode_head(features)
    finally:
        handle.remove()
    pixel_features = (
        classifier_inputs[0] if len(classifier_inputs) == 1 else None)
    return HeadOutputs(seg_logits, None, pixel_features)


def with_seg_maps(data_samples: SampleList, labels: Tensor) -> SampleList:
    """Copies of ``data_samples`` (metainfo only) with ``labels`` (B, H, W)
    as their ``gt_sem_seg``."""
    samples = []
    for sample, label in zip(data_samples, labels):
        labelled = SegDataSample(metainfo=sample.metainfo)
        labelled.gt_sem_seg = PixelData(data=label[None])
        samples.append(labelled)
    return samples


def weighted_decode_loss(decode_head: nn.Module, seg_logits: Tensor,
                         data_samples: SampleList, labels: Tensor,
                         weights: Optional[Tensor]) -> Dict[str, Tensor]:
    """The decode head's loss on (B, H, W) labels at the input size, each
    pixel's term scaled by ``weights`` (None: the head's own
    ``loss_by_feat``, unweighted). As ``loss_by_feat``: logits resized to
    the labels, every ``loss_decode`` term under its own name."""
    if weights is None:
        return decode_head.loss_by_feat(seg_logits,
                                        with_seg_maps(data_samples, labels))
    seg_logits = resize(
        seg_logits,
        size=labels.shape[1:],
        mode='bilinear',
        align_corners=decode_head.align_corners)
    loss_decodes = (
        decode_head.loss_decode
        if isinstance(decode_head.loss_decode, nn.ModuleList) else
        [decode_head.loss_decode])
    losses = {}
    for loss_decode in loss_decodes:
        loss = loss_decode(
            seg_logits,
            labels,
            weight=weights,
            ignore_index=decode_head.ignore_index)
        name = loss_decode.loss_name
        losses[name] = losses[name] + loss if name in losses else loss
    return losses
