"""The classification-refined decode head: subnets S1 and S2 (paper 3.1, 3.3).

S2 is DeepLab-v3's ASPP block and pixel classifier (mmseg's ``ASPPHead``).
S1 is an image classifier on the same backbone feature. "The prediction of
subnet S2 is refined by classification probability via convolution
operation" (section 3.1, the dashed arrows of Fig. 2). Our reading, which the
paper leaves open: S1's class probabilities ``p`` (B, K) are broadcast to every
pixel, concatenated with S2's logits ``s`` (B, K, h, w), and a learned 1x1
convolution adds its output to ``s``::

    refined = s + conv1x1([s ; p])

The convolution starts at zero, so the refined output starts as S2's own and
S1 earns its influence through training; its gradient reaches S1 through
``p``. A lesion logit can so be damped in an image that S1 finds lesion-free,
per class, which is what an image classifier can add to a pixel classifier.
The refined logits are the head's output, in training (L_S) and at test time.

Losses: L_S (Eq. 3, first term) is mmseg's ``loss_decode`` on the refined
logits against pixel labels; L_C (Eq. 2) is ``loss_cls`` on S1's logits
against the multi-hot image labels of every sample that has them (source and
target alike). Image labels are multi-label (an image holds normal mucosa
and a lesion), so the cross-entropy J of Eq. 2 is the per-class binary one by
default; a softmax cross-entropy over single-label images is available with
``loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False)``.

With ``use_classifier=False`` (the paper's urban setting) the head has no S1
parameters and computes exactly what ``ASPPHead`` computes.
"""
from typing import List, NamedTuple, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads import ASPPHead
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor


class HeadOutputs(NamedTuple):
    """Everything one forward pass of the head computes."""
    seg_logits: Tensor  # refined S2 logits (B, K, h, w)
    cls_logits: Optional[Tensor]  # S1 logits (B, K); None without S1
    features: Tensor  # S2 pixel features before the classifier (B, C, h, w)


@MODELS.register_module()
class ClsRefinedASPPHead(ASPPHead):
    """ASPP segmentation head (S2) refined by an image classifier (S1).

    Args:
        use_classifier: Build S1 and refine with it.
        classifier_channels: Width of S1's 1x1 convolution before pooling;
            defaults to ``channels``.
        loss_cls: L_C, on S1's logits and multi-hot image labels. Its
            ``use_sigmoid`` also picks S1's probabilities (sigmoid or softmax).
        **kwargs: As for mmseg's ``ASPPHead`` (``dilations``,
            ``in_channels``, ``channels``, ``num_classes``, ``loss_decode``...).
    """

    def __init__(self,
                 use_classifier: bool = True,
                 classifier_channels: Optional[int] = None,
                 loss_cls: ConfigType = dict(
                     type='CrossEntropyLoss',
                     use_sigmoid=True,
                     loss_weight=1.0,
                     loss_name='loss_cls'),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.use_classifier = use_classifier
        if not use_classifier:
            return
        if isinstance(self.in_channels, (list, tuple)):
            raise ValueError('S1 reads one backbone feature: use an int '
                             'in_channels and in_index')
        classifier_channels = classifier_channels or self.channels
        self.cls_conv = ConvModule(
            self.in_channels,
            classifier_channels,
            1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.cls_fc = nn.Linear(classifier_channels, self.out_channels)
        self.refine_conv = nn.Conv2d(
            2 * self.out_channels, self.out_channels, kernel_size=1)
        self.loss_cls = MODELS.build(loss_cls)
        self.cls_use_sigmoid = bool(loss_cls.get('use_sigmoid', False))

    def init_weights(self) -> None:
        super().init_weights()
        if self.use_classifier:
            nn.init.zeros_(self.refine_conv.weight)
            nn.init.zeros_(self.refine_conv.bias)

    def forward_cls(self, inputs: List[Tensor]) -> Tensor:
        """S1: image logits (B, K) from the backbone feature."""
        x = self._transform_inputs(inputs)
        x = self.cls_conv(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.cls_fc(x)

    def class_probabilities(self, cls_logits: Tensor) -> Tensor:
        if self.cls_use_sigmoid:
            return cls_logits.sigmoid()
        return cls_logits.softmax(dim=1)

    def refine(self, seg_logits: Tensor, cls_logits: Tensor) -> Tensor:
        """S2's logits refined by S1's probabilities (the dashed arrows)."""
        probs = self.class_probabilities(cls_logits)
        probs = probs[:, :, None, None].expand_as(seg_logits)
        return seg_logits + self.refine_conv(torch.cat([seg_logits, probs],
                                                       dim=1))

    def forward_with_features(self, inputs: List[Tensor]) -> HeadOutputs:
        """One pass that returns the refined logits, S1's logits and S2's
        pixel features (for the SRT centroids and the discriminator)."""
        features = self._forward_feature(inputs)
        seg_logits = self.cls_seg(features)
        cls_logits = None
        if self.use_classifier:
            cls_logits = self.forward_cls(inputs)
            seg_logits = self.refine(seg_logits, cls_logits)
        return HeadOutputs(seg_logits, cls_logits, features)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Refined segmentation logits, the head's prediction."""
        return self.forward_with_features(inputs).seg_logits

    def loss(self, inputs: Tuple[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> dict:
        outputs = self.forward_with_features(inputs)
        losses = self.loss_by_feat(outputs.seg_logits, batch_data_samples)
        if outputs.cls_logits is not None:
            losses.update(
                self.loss_cls_by_feat(outputs.cls_logits, batch_data_samples))
        return losses

    def loss_cls_by_feat(self, cls_logits: Tensor,
                         batch_data_samples: SampleList) -> dict:
        """L_C (Eq. 2) over the samples that carry image labels.

        Samples without ``gt_image_labels`` are skipped; when none has them
        the loss is a zero that keeps S1 in the graph (DDP needs every
        parameter to receive a gradient). A class whose
        ``gt_image_label_weights`` is 0 (unknown) adds no term: with a
        sigmoid the loss averages over the known (image, class) pairs.
        """
        has_labels = [
            'gt_image_labels' in sample for sample in batch_data_samples
        ]
        name = self.loss_cls.loss_name
        if not any(has_labels):
            return {name: cls_logits.sum() * 0.}
        rows = torch.tensor(has_labels, device=cls_logits.device)
        samples = [
            sample for sample in batch_data_samples
            if 'gt_image_labels' in sample
        ]
        labels = torch.stack([sample.gt_image_labels for sample in samples
                              ]).to(cls_logits.device)
        known = torch.stack([
            sample.gt_image_label_weights if 'gt_image_label_weights'
            in sample else torch.ones_like(sample.gt_image_labels)
            for sample in samples
        ]).to(cls_logits)
        logits = cls_logits[rows]
        if self.cls_use_sigmoid:
            if bool((known == 1).all()):
                return {name: self.loss_cls(logits, labels)}
            return {
                name:
                self.loss_cls(
                    logits,
                    labels,
                    weight=known,
                    avg_factor=known.sum().clamp(min=1.))
            }
        # Softmax cross-entropy needs one class per image.
        if not bool(((labels.sum(dim=1) == 1) & (known == 1).all(dim=1)).all()):
            raise ValueError(
                'loss_cls with use_sigmoid=False needs exactly one image '
                'label per image and none unknown; use use_sigmoid=True for '
                'multi-label images')
        return {name: self.loss_cls(logits, labels.argmax(dim=1))}
