"""L_SRT in an adapter step (paper Eq. 7, Algorithm 3): which labels give
the target centroids, and the per-class centroid distances to log.

Source centroids take the source pixel labels; target centroids take the
pseudo labels (those of weight 0 left out), or S2's argmax where there are
none (the BL+AL+SRT row), or, as a diagnostic that breaks the weak-label
setting on purpose, the target batch's own label maps
(``target_labels='ground_truth'``), which tells wrong target labels from
the alignment itself as the cause of a loss.
"""
from typing import Dict, Optional

import torch
from mmseg.models.utils import resize
from torch import Tensor, nn

from ..decode_heads.cls_refined_aspp_head import HeadOutputs
from ..pseudo_labels import PseudoLabels
from ..utils import ground_truth, valid_mask

SRT_TARGET_LABELS = ('predicted', 'ground_truth')


class SRTAlignment:
    """L_SRT between a source and a target batch.

    Args:
        srt_loss: An ``SRTLoss`` (it keeps the centroids).
        target_labels: ``'predicted'`` (the paper) or ``'ground_truth'``.
        align_corners: The decode head's, for resizing its logits.
    """

    def __init__(self,
                 srt_loss: nn.Module,
                 target_labels: str = 'predicted',
                 align_corners: bool = False) -> None:
        if target_labels not in SRT_TARGET_LABELS:
            raise ValueError(f'srt_target_labels must be one of '
                             f'{SRT_TARGET_LABELS}, got {target_labels!r}')
        self.srt_loss = srt_loss
        self.target_labels = target_labels
        self.align_corners = align_corners

    def losses(self, source: dict, source_head: HeadOutputs, target: dict,
               target_head: HeadOutputs,
               pseudo_labels: Optional[PseudoLabels]) -> Dict[str, Tensor]:
        """``srt.loss_srt`` and each present class's ``srt.distance.k``
        for preprocessed batches and their decode-head outputs."""
        if source_head.features is None:
            raise TypeError('srt_loss needs the decode head\'s pixel '
                            'features; use a BaseDecodeHead subclass')
        losses = {
            'srt.' + self.srt_loss.loss_name:
            self.srt_loss(source_head.features, ground_truth(source),
                          target_head.features,
                          self._target_labels(target, target_head,
                                              pseudo_labels))
        }
        distances = self.srt_loss.centroid_distances
        for k in torch.nonzero(~distances.isnan()).flatten().tolist():
            losses[f'srt.distance.{k}'] = distances[k]
        return losses

    def _target_labels(self, target: dict, target_head: HeadOutputs,
                       pseudo_labels: Optional[PseudoLabels]) -> Tensor:
        if self.target_labels == 'ground_truth':
            if not all('gt_sem_seg' in s for s in target['data_samples']):
                raise ValueError(
                    "srt_target_labels='ground_truth' needs the target "
                    "training images' label maps: give "
                    'train_dataloader.dataset.target a seg_map_path and '
                    'LoadAnnotations in its pipeline')
            return ground_truth(target)
        if pseudo_labels is not None:
            if pseudo_labels.weights is None:
                return pseudo_labels.labels
            # A pseudo label that weighs nothing in self-training (padding,
            # rows it ignores, an unsure pixel under 'pixel' weighting, the
            # warm-up) gives no centroid either.
            return pseudo_labels.labels.masked_fill(
                pseudo_labels.weights <= 0, self.srt_loss.ignore_index)
        inputs = target['inputs']
        height, width = inputs.shape[2:]
        labels = resize(
            target_head.seg_logits.detach(),
            size=(height, width),
            mode='bilinear',
            align_corners=self.align_corners).argmax(1)
        valid = valid_mask(target['data_samples'], height, width,
                           inputs.device)
        labels[~valid] = self.srt_loss.ignore_index
        return labels
