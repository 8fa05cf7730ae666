"""SRTAdapter: domain adaptation around any mmseg encoder-decoder (paper
Eq. 1, 3, 6, 7, sections 3.1 and 3.4).

One training step (section 3.4) forwards a source batch (pixel and image
labels) and a target batch (image labels) through the wrapped segmentor and

1. assigns the target batch's pseudo labels from its softmax output
   (Eq. 5 and Algorithm 2, :class:`..pseudo_labels.PseudoLabelGenerator`);
2. updates the segmentor with the discriminator frozen on
   ``L_S(source, target) + L_C(source, target) + eta * L_adv + L_SRT``:
   L_S's target term is the decode loss on the pseudo labels (ignored pixels
   count nothing), L_adv makes D take target softmax maps for source ones
   (S2 "is trained to fool D"), L_SRT (Eq. 7, :class:`..losses.SRTLoss`)
   aligns the class centroids of S2's pixel features;
3. updates D on the detached source and target softmax maps (Eq. 6; D labels
   the target 1 and the source 0, see :mod:`..losses.adversarial_loss`).

Options beyond the paper reshape step 2 (each documented in the class):
an EMA teacher makes the pseudo labels; with ``class_mix`` (DACS) the
teacher labels the clean target first and the pseudo-label term trains on
source classes pasted into the target images instead of on the target
itself, and ``mix_transform`` jitters and blurs that mixed batch;
``weak_label_loss`` adds a term between S2's target logits and the
image labels.

Each update runs in its own ``optim_wrapper[name].optim_context`` and
``update_params``, so gradient clipping, accumulation and AMP work per
optimizer as in any mmengine model; nothing calls ``backward`` inside
``forward``. Without a discriminator (``discriminator=None``) there is no D
and no D optimizer, and with ``target_cls_loss=False`` as well the target is
not forwarded at all: the step is exactly the segmentor's own source step.
Each of ``discriminator``, ``pseudo_labeler`` and ``srt_loss`` can be None,
which gives the rows of the paper's ablation (Table 2).

Inference (``val_step``, ``test_step``, ``predict``) goes straight to the
segmentor; ``tools/export_segmentor.py`` writes its weights for plain mmseg.

Under DDP, wrap with mmengine's ``MMSeparateDistributedDataParallel`` (the
``_base_/uda`` configs do), which puts the segmentor and D in separate DDP
wrappers. Every computation that needs synchronised gradients goes through
the wrapper's forward: one segmentor forward per step computes both domains
(see :meth:`SRTAdapter._run_segmentor`) and one D forward scores source and
target maps together (D has no batch statistics, so this equals two calls).
"""
from contextlib import contextmanager, nullcontext
from typing import Dict, List, NamedTuple, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import (BaseModel, ExponentialMovingAverage,
                            is_model_wrapper)
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.runner.checkpoint import get_state_dict
from mmengine.structures import PixelData
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import ConfigType, OptConfigType, SampleList, add_prefix
from torch import Tensor, nn
from torch.profiler import record_function

from ..decode_heads.cls_refined_aspp_head import HeadOutputs
from ..losses.adversarial_loss import SOURCE_LABEL, TARGET_LABEL
from ..pseudo_labels import ConfidencePseudoLabeler, stack_superpixels


class PseudoLabels(NamedTuple):
    """One target batch's pseudo labels (B, H, W) at the input size, their
    per-pixel loss weights (None: 1) and what to log about them."""
    labels: Tensor
    weights: Optional[Tensor]
    logs: Dict[str, Tensor]


class DomainOutputs(NamedTuple):
    """What one domain's forward pass produced."""
    losses: Dict[str, Tensor]
    head: HeadOutputs


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


def batch_norms(model: nn.Module) -> List[nn.modules.batchnorm._BatchNorm]:
    """Every batch norm of ``model``."""
    return [
        m for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]


@contextmanager
def batch_norm_statistics(model: nn.Module):
    """Within the block, the batch norms of ``model`` normalise with each
    batch's own statistics, as in a training step, while the rest keeps its
    mode (an eval-mode model keeps dropout off). Their running statistics
    are neither used nor updated (``track_running_stats`` is off inside the
    block, so nothing is copied); modes and flags are restored after."""
    norms = batch_norms(model)
    flags = [(m.training, m.track_running_stats) for m in norms]
    for m in norms:
        m.train()
        m.track_running_stats = False
    try:
        yield model
    finally:
        for m, (mode, track) in zip(norms, flags):
            m.train(mode)
            m.track_running_stats = track


@contextmanager
def _forward_replaced(module: nn.Module, forward):
    """Make ``module(...)`` run ``forward`` (an instance attribute shadows the
    class's method), so a DDP wrapper around ``module`` runs it with its
    gradient-synchronisation bookkeeping."""
    module.forward = forward
    try:
        yield
    finally:
        del module.forward


@contextmanager
def _frozen(module: nn.Module):
    """No gradient for ``module``'s parameters inside the block."""
    flags = [p.requires_grad for p in module.parameters()]
    for p in module.parameters():
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in zip(module.parameters(), flags):
            p.requires_grad_(flag)


def _valid_mask(data_samples: SampleList, height: int, width: int,
                device) -> Tensor:
    """(B, H, W) True inside each sample's image, False on batch padding
    (the data preprocessor pads at the bottom and right)."""
    valid = torch.zeros((len(data_samples), height, width),
                        dtype=torch.bool,
                        device=device)
    for i, sample in enumerate(data_samples):
        img_height, img_width = sample.metainfo.get('img_shape',
                                                    (height, width))[:2]
        valid[i, :img_height, :img_width] = True
    return valid


def _with_seg_maps(data_samples: SampleList, labels: Tensor) -> SampleList:
    """Copies of ``data_samples`` (metainfo only) with ``labels`` (B, H, W)
    as their ``gt_sem_seg``."""
    samples = []
    for sample, label in zip(data_samples, labels):
        labelled = SegDataSample(metainfo=sample.metainfo)
        labelled.gt_sem_seg = PixelData(data=label[None])
        samples.append(labelled)
    return samples


def _ground_truth(batch: dict) -> Tensor:
    """(B, H, W) label maps of a preprocessed batch (padded by the data
    preprocessor)."""
    return torch.stack([s.gt_sem_seg.data[0] for s in batch['data_samples']
                        ]).to(batch['inputs'].device)


def _image_labels(data_samples: SampleList, device
                  ) -> Tuple[Optional[Tensor], Optional[Tensor]]:
    """(B, K) image labels and their weights (0: unknown; 1 where the
    samples carry none), or (None, None) unless every sample has labels."""
    if not all('gt_image_labels' in s for s in data_samples):
        return None, None
    labels = torch.stack([s.gt_image_labels for s in data_samples])
    weights = torch.stack([
        s.gt_image_label_weights if 'gt_image_label_weights' in s else
        torch.ones_like(s.gt_image_labels) for s in data_samples
    ])
    return labels.to(device), weights.to(device)


def _unwrap(module: nn.Module) -> nn.Module:
    return module.module if is_model_wrapper(module) else module


@MODELS.register_module()
class SRTAdapter(BaseModel):
    """Wraps an mmseg segmentor for source/target training.

    Args:
        segmentor: Config of an mmseg encoder-decoder (any backbone and
            decode head; auxiliary heads train on the source).
        discriminator: Config of the output-space discriminator, e.g.
            ``dict(type='OutputSpaceDiscriminator')`` (``num_classes`` is
            taken from the decode head); None trains without adversarial
            learning.
        adversarial_loss: The segmentor's adversarial term; its
            ``loss_weight`` is the paper's eta (0.3 for the medical data,
            Fig. 5) and its ``gan_type`` ('vanilla' or 'lsgan') is also D's.
        target_cls_loss: Train S1 on the target's image labels too (L_C's
            second term, Eq. 2).
        pseudo_labeler: Config of the pseudo-label generator, e.g.
            ``dict(type='PseudoLabelGenerator')`` (``num_classes`` from the
            decode head); its labels train the target term of L_S (Eq. 3).
            ``dict(type='ConfidencePseudoLabeler')`` (not in the paper)
            labels every pixel with its argmax and weighs each image's
            term by its confident share (DAFormer).
            None: no pseudo labels (rows BL+AL and BL+AL+SRT of Table 2).
        srt_loss: Config of L_SRT, e.g. ``dict(type='SRTLoss')``
            (``num_classes`` and ``feature_channels`` from the decode head).
            Target centroids use the pseudo labels, or, without a
            pseudo-label generator (the BL+AL+SRT row), S2's argmax.
        srt_target_labels: What labels the target pixels for the SRT
            centroids: ``'predicted'`` (the pseudo labels or S2's argmax,
            as above; the paper) or ``'ground_truth'``, a diagnostic that
            breaks the weak-label setting on purpose: the target batch's
            own label maps (its dataset must load them), to tell wrong
            target labels from the alignment itself as the cause of a
            loss. Only the centroids read them.
        pseudo_label_loss: Train L_S's target term on the pseudo labels;
            False keeps them for the SRT centroids only (ablation Ours-woPL).
        teacher_momentum: Make the pseudo labels (and so the SRT target
            centroids) from a teacher: an exponential moving average of the
            segmentor's weights, ``teacher = (1 - m) * teacher + m *
            segmentor`` after every segmentor step (mmengine's
            ``ExponentialMovingAverage``; DAFormer's alpha 0.999 is m =
            0.001), in eval mode. Not in the paper: a model that averages
            its recent past makes steadier labels than the one being
            trained on them. None: the segmentor's own predictions (the
            paper).
        class_mix: Config of a cross-domain mix, e.g.
            ``dict(type='ClassMix')`` (DACS; not in the paper): the pseudo-
            label term trains on source images pasted into the target ones,
            labelled with the source's labels where pasted and the teacher's
            pseudo labels of the clean target image elsewhere, instead of on
            the target images themselves. Needs a pseudo_labeler and a
            teacher.
        mix_transform: Config of a transform of the mixed batch's images
            before the student sees them, e.g.
            ``dict(type='ColorJitterBlur')`` (DACS' and DAFormer's strong
            augmentation; not in the paper): the teacher labels the clean
            target, the student learns those labels on jittered, blurred
            pixels. Its ``mean``, ``std`` and ``channel_order`` default to
            the segmentor's data preprocessor's. Needs class_mix.
        weak_label_loss: Config of a loss between S2's target logits and
            the target's image labels, e.g.
            ``dict(type='ImageLabelPoolingLoss')`` (Paul et al. 2020; not in
            the paper). None: image labels reach the target only through S1
            (L_C) and the pseudo labels.
        teacher_norm_stats: Which statistics the teacher's batch norms use
            for the pseudo labels: ``'running'`` (eval mode, as at test
            time) or ``'batch'`` (each target batch's own, as the
            segmentor's training-mode forward that makes the paper's
            pseudo labels, and DAFormer's teacher; dropout stays off). Not
            in the paper; the teacher's running statistics are the
            segmentor's, copied at every update, so the ``'batch'``
            forward leaves no trace in them.
        discriminator_input: ``'input'`` upsamples the logits to the input
            size before the softmax D reads (as AdaptSegNet); ``'logits'``
            keeps the head's resolution (cheaper).
        data_preprocessor: Unused in training, which preprocesses each
            domain with the segmentor's own; accepted because mmengine's
            Runner passes the config's top-level one.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self,
                 segmentor: ConfigType,
                 discriminator: OptConfigType = None,
                 adversarial_loss: ConfigType = dict(
                     type='AdversarialLoss',
                     gan_type='vanilla',
                     loss_weight=0.3,
                     loss_name='loss_adv'),
                 target_cls_loss: bool = True,
                 pseudo_labeler: OptConfigType = None,
                 srt_loss: OptConfigType = None,
                 srt_target_labels: str = 'predicted',
                 pseudo_label_loss: bool = True,
                 teacher_momentum: Optional[float] = None,
                 class_mix: OptConfigType = None,
                 mix_transform: OptConfigType = None,
                 weak_label_loss: OptConfigType = None,
                 teacher_norm_stats: str = 'running',
                 discriminator_input: str = 'input',
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.segmentor = MODELS.build(segmentor)
        for attribute in ('extract_feat', 'decode_head'):
            if not hasattr(self.segmentor, attribute):
                raise TypeError(
                    f'SRTAdapter wraps encoder-decoder segmentors; '
                    f'{type(self.segmentor).__name__} has no {attribute}')
        num_classes = self.segmentor.decode_head.num_classes
        self.discriminator = None
        # What the segmentor fixes (classes, feature width, ignore index) is
        # each part's default; a config may still set it.
        if discriminator is not None:
            self.discriminator = MODELS.build(
                discriminator, default_args=dict(num_classes=num_classes))
        self.adversarial_loss = MODELS.build(adversarial_loss)
        self.discriminator_loss = MODELS.build(
            dict(
                type='AdversarialLoss',
                gan_type=self.adversarial_loss.gan_type,
                loss_weight=1.0,
                loss_name='loss_disc'))
        if discriminator_input not in ('input', 'logits'):
            raise ValueError("discriminator_input must be 'input' or "
                             f"'logits', got {discriminator_input!r}")
        self.discriminator_input = discriminator_input
        self.target_cls_loss = target_cls_loss
        head = self.segmentor.decode_head
        self.pseudo_labeler = None
        if pseudo_labeler is not None:
            self.pseudo_labeler = MODELS.build(
                pseudo_labeler,
                default_args=dict(
                    num_classes=num_classes, ignore_index=head.ignore_index))
        self.pseudo_label_loss = pseudo_label_loss
        self.srt_loss = None
        if srt_loss is not None:
            self.srt_loss = MODELS.build(
                srt_loss,
                default_args=dict(
                    num_classes=num_classes,
                    feature_channels=head.channels,
                    ignore_index=head.ignore_index))
        if srt_target_labels not in ('predicted', 'ground_truth'):
            raise ValueError("srt_target_labels must be 'predicted' or "
                             f"'ground_truth', got {srt_target_labels!r}")
        self.srt_target_labels = srt_target_labels
        self.teacher = None
        if teacher_norm_stats not in ('running', 'batch'):
            raise ValueError("teacher_norm_stats must be 'running' or "
                             f"'batch', got {teacher_norm_stats!r}")
        self.teacher_norm_stats = teacher_norm_stats
        if teacher_momentum is not None:
            if not 0.0 < teacher_momentum <= 1.0:
                raise ValueError('teacher_momentum must be in (0, 1], got '
                                 f'{teacher_momentum}')
            if self.pseudo_labeler is None:
                raise ValueError('teacher_momentum makes pseudo labels: it '
                                 'needs a pseudo_labeler')
            # A copy of the segmentor whose weights are buffers of the
            # average: saved and resumed with the model, never optimised.
            self.teacher = ExponentialMovingAverage(
                self.segmentor, momentum=teacher_momentum)
        self.class_mix = None
        if class_mix is not None:
            if self.teacher is None:
                raise ValueError('class_mix pastes source pixels into '
                                 'target images labelled by the teacher: '
                                 'it needs teacher_momentum')
            if not pseudo_label_loss:
                raise ValueError('class_mix trains the pseudo-label term on '
                                 'the mixed batch: it needs '
                                 'pseudo_label_loss=True')
            self.class_mix = MODELS.build(
                class_mix, default_args=dict(ignore_index=head.ignore_index))
        self.mix_transform = None
        if mix_transform is not None:
            if self.class_mix is None:
                raise ValueError('mix_transform changes the mixed batch: it '
                                 'needs class_mix')
            # Unnormalised inputs are 0-255; channels are RGB where the
            # preprocessor converts them (bgr_to_rgb, mmseg's usual), else
            # as loaded (BGR).
            preprocessor = self.segmentor.data_preprocessor
            normalised = getattr(preprocessor, '_enable_normalize', False)
            self.mix_transform = MODELS.build(
                mix_transform,
                default_args=dict(
                    mean=preprocessor.mean.flatten().tolist()
                    if normalised else [0.0] * 3,
                    std=preprocessor.std.flatten().tolist()
                    if normalised else [1.0] * 3,
                    channel_order='rgb' if getattr(
                        preprocessor, 'channel_conversion', False) else
                    'bgr'))
        self.weak_label_loss = None
        if weak_label_loss is not None:
            self.weak_label_loss = MODELS.build(weak_label_loss)

    def state_dict(self, *args, destination=None, prefix='', keep_vars=False):
        """Keys without the DDP wrappers' ``module.``: ``segmentor.*`` and
        ``discriminator.*`` however the children are wrapped.

        ``MMSeparateDistributedDataParallel`` wraps the children in place, so
        ``nn.Module.state_dict`` would save ``segmentor.module.*`` under DDP,
        which mmengine's loader (it unwraps wrappers) then silently skips on
        resume and ``load_from``.
        """
        return get_state_dict(
            self, destination=destination, prefix=prefix, keep_vars=keep_vars)

    # ------------------------------------------------------------------
    # Inference: the segmentor's own.
    @property
    def segmentor_module(self) -> nn.Module:
        return _unwrap(self.segmentor)

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor'):
        return self.segmentor_module(inputs, data_samples, mode)

    def val_step(self, data: Union[dict, tuple, list]) -> list:
        return self.segmentor.val_step(data)

    def test_step(self, data: Union[dict, tuple, list]) -> list:
        return self.segmentor.test_step(data)

    # ------------------------------------------------------------------
    # Training.
    @property
    def uses_target(self) -> bool:
        """Whether a step needs the target batch at all."""
        return (self.discriminator is not None or self.target_cls_loss
                or self.pseudo_labeler is not None
                or self.srt_loss is not None
                or self.weak_label_loss is not None)

    @property
    def student_sees_target(self) -> bool:
        """Whether the segmentor itself forwards the clean target batch
        (with class_mix, the pseudo-label term trains on the mixed one)."""
        return (self.discriminator is not None or self.target_cls_loss
                or self.srt_loss is not None
                or self.weak_label_loss is not None
                or (self.pseudo_labeler is not None
                    and self.class_mix is None))

    def _forward_domain(self,
                        inputs: Tensor,
                        data_samples: SampleList,
                        pixel_labels: bool,
                        cls_loss: bool = True) -> DomainOutputs:
        """Segmentor forward of one domain and its supervised losses."""
        segmentor = self.segmentor_module
        features = segmentor.extract_feat(inputs)
        head = segmentor.decode_head
        outputs = decode_head_outputs(head, features)
        losses = {}
        if pixel_labels:
            losses.update(
                add_prefix(
                    head.loss_by_feat(outputs.seg_logits, data_samples),
                    'decode'))
            if getattr(segmentor, 'with_auxiliary_head', False):
                losses.update(
                    segmentor._auxiliary_head_forward_train(
                        features, data_samples))
        if outputs.cls_logits is not None and cls_loss and (
                pixel_labels or self.target_cls_loss):
            losses.update(
                add_prefix(
                    head.loss_cls_by_feat(outputs.cls_logits, data_samples),
                    'decode'))
        return DomainOutputs(losses, outputs)

    def _forward_domains(
        self, source: dict, target: Optional[dict], mixed: Optional[dict]
    ) -> Tuple[DomainOutputs, Optional[DomainOutputs],
               Optional[DomainOutputs]]:
        source_outputs = self._forward_domain(
            source['inputs'], source['data_samples'], pixel_labels=True)
        target_outputs = mixed_outputs = None
        if target is not None:
            target_outputs = self._forward_domain(
                target['inputs'], target['data_samples'], pixel_labels=False)
        if mixed is not None:
            # Its labels are mixed pixel labels; its image labels are
            # neither image's, so S1 learns nothing from it.
            mixed_outputs = self._forward_domain(
                mixed['inputs'],
                mixed['data_samples'],
                pixel_labels=False,
                cls_loss=False)
        return source_outputs, target_outputs, mixed_outputs

    def _run_segmentor(
        self,
        source: dict,
        target: Optional[dict],
        mixed: Optional[dict] = None
    ) -> Tuple[DomainOutputs, Optional[DomainOutputs],
               Optional[DomainOutputs]]:
        """Every batch the segmentor trains on in ONE call of
        ``self.segmentor``: under DDP that is one forward per backward, as
        DDP requires; each batch still passes the network separately, so
        batch norm sees one domain (or the mixed batch) at a time."""
        with _forward_replaced(self.segmentor_module, self._forward_domains):
            return self.segmentor(source, target, mixed)

    def _probabilities(self, seg_logits: Tensor, inputs: Tensor) -> Tensor:
        if self.discriminator_input == 'input':
            seg_logits = resize(
                seg_logits,
                size=inputs.shape[2:],
                mode='bilinear',
                align_corners=self.segmentor_module.decode_head.align_corners)
        return F.softmax(seg_logits, dim=1)

    def train_step(self, data: dict,
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
                   ) -> Dict[str, Tensor]:
        """One SRT step on ``dict(source=batch, target=batch)``."""
        if isinstance(optim_wrapper, OptimWrapperDict):
            segmentor_optim = optim_wrapper['segmentor']
        else:
            segmentor_optim = optim_wrapper
        # Each part runs in a named profiler scope ('srt:...'; free when no
        # profiler records): benchmarks/bench_srt_iteration.py --profile.
        preprocess = self.segmentor_module.data_preprocessor
        with record_function('srt:data_preprocessor'):
            source = preprocess(data['source'], True)
            target = (preprocess(data['target'], True)
                      if self.uses_target else None)

        # 1. The segmentor, with D frozen.
        with segmentor_optim.optim_context(self.segmentor):
            pseudo_labels = mixed = None
            if self.class_mix is not None:
                # The teacher labels the clean target before the segmentor
                # trains: the mixed batch is made of its labels. Its first
                # update copies the segmentor, so step 0's labels come from
                # the model as initialised.
                if not self.teacher_ready:
                    self.teacher.update_parameters(self.segmentor_module)
                with record_function('srt:pseudo_labels'):
                    pseudo_labels = self._pseudo_labels(
                        target, self._teacher_logits(target))
                with record_function('srt:class_mix'):
                    mixed = self._mixed_batch(source, target, pseudo_labels)
            with record_function('srt:segmentor_forward'):
                source_out, target_out, mixed_out = self._run_segmentor(
                    source, target if self.student_sees_target else None,
                    mixed)
            losses = add_prefix(source_out.losses, 'src')
            if target_out is not None:
                losses.update(add_prefix(target_out.losses, 'tgt'))
            if self.pseudo_labeler is not None and pseudo_labels is None:
                with record_function('srt:pseudo_labels'):
                    pseudo_labels = self._pseudo_labels(
                        target, self._teacher_logits(target)
                        if self.teacher_ready else
                        target_out.head.seg_logits)
            target_labels = None
            if pseudo_labels is not None:
                target_labels = pseudo_labels.labels
                losses.update(pseudo_labels.logs)
            if self.pseudo_labeler is not None and self.pseudo_label_loss:
                with record_function('srt:pseudo_label_loss'):
                    if mixed is not None:
                        losses.update(
                            add_prefix(
                                self._weighted_decode_loss(
                                    mixed_out.head.seg_logits,
                                    mixed['data_samples'], mixed['labels'],
                                    mixed['weights']),
                                'mix.decode'))
                    else:
                        losses.update(
                            add_prefix(
                                self._weighted_decode_loss(
                                    target_out.head.seg_logits,
                                    target['data_samples'],
                                    pseudo_labels.labels,
                                    pseudo_labels.weights),
                                'tgt.decode'))
            if self.weak_label_loss is not None:
                with record_function('srt:weak_label_loss'):
                    losses['tgt.' + self.weak_label_loss.loss_name] = (
                        self._weak_label_loss(target, target_out))
            if self.srt_loss is not None:
                with record_function('srt:srt_loss'):
                    losses['srt.' + self.srt_loss.loss_name] = self._srt_loss(
                        source, source_out, target, target_out,
                        target_labels)
                    distances = self.srt_loss.centroid_distances
                    for k in torch.nonzero(
                            ~distances.isnan()).flatten().tolist():
                        losses[f'srt.distance.{k}'] = distances[k]
            if self.discriminator is not None:
                with record_function('srt:adversarial_term'):
                    discriminator = _unwrap(self.discriminator)
                    target_probs = self._probabilities(
                        target_out.head.seg_logits, target['inputs'])
                    with _frozen(discriminator):
                        fooled = discriminator(target_probs)
                    losses['adv.' + self.adversarial_loss.loss_name] = (
                        self.adversarial_loss(fooled, SOURCE_LABEL))
        with record_function('srt:backward_and_update'):
            loss, log_vars = self.parse_losses(losses)
            segmentor_optim.update_params(loss)
        if self.teacher is not None:
            with record_function('srt:teacher_update'):
                self.teacher.update_parameters(self.segmentor_module)

        # 2. The discriminator, on detached maps (Eq. 6).
        if self.discriminator is not None:
            with record_function('srt:discriminator_step'):
                log_vars.update(
                    self._discriminator_step(
                        optim_wrapper['discriminator'],
                        self._probabilities(
                            source_out.head.seg_logits.detach(),
                            source['inputs']),
                        # The adversarial term's map, without its graph.
                        target_probs.detach()))
        return log_vars

    @property
    def teacher_ready(self) -> bool:
        """The teacher holds an average once it was updated (its first
        update copies the segmentor)."""
        return self.teacher is not None and int(self.teacher.steps) > 0

    @torch.no_grad()
    def _teacher_logits(self, target: dict) -> Tensor:
        teacher = self.teacher.module
        was_training = teacher.training
        teacher.eval()
        norm_stats = (
            batch_norm_statistics(teacher)
            if self.teacher_norm_stats == 'batch' else nullcontext())
        try:
            with norm_stats:
                features = teacher.extract_feat(target['inputs'])
                return decode_head_outputs(teacher.decode_head,
                                           features).seg_logits
        finally:
            teacher.train(was_training)

    def _weak_label_loss(self, target: dict,
                         target_out: DomainOutputs) -> Tensor:
        """The weak-label loss of S2's target logits (at their own size,
        padding left out) against the target's image labels."""
        samples = target['data_samples']
        seg_logits = target_out.head.seg_logits
        image_labels, weights = _image_labels(samples, seg_logits.device)
        if image_labels is None:
            raise ValueError('weak_label_loss needs the target\'s image '
                             'labels: a target dataset with image labels and '
                             'PackSRTInputs in its pipeline')
        height, width = target['inputs'].shape[2:]
        valid = _valid_mask(samples, height, width, seg_logits.device)
        valid = F.interpolate(
            valid[:, None].float(), size=seg_logits.shape[2:],
            mode='nearest')[:, 0].bool()
        return self.weak_label_loss(seg_logits, image_labels, weights, valid)

    def _weighted_decode_loss(self, seg_logits: Tensor,
                              data_samples: SampleList, labels: Tensor,
                              weights: Optional[Tensor]) -> Dict[str, Tensor]:
        """The decode head's loss on (B, H, W) labels at the input size,
        each pixel's term scaled by ``weights`` (None: the head's own
        ``loss_by_feat``, unweighted). As ``loss_by_feat``: logits resized
        to the labels, every ``loss_decode`` term under its own name."""
        head = self.segmentor_module.decode_head
        if weights is None:
            return head.loss_by_feat(seg_logits,
                                     _with_seg_maps(data_samples, labels))
        seg_logits = resize(
            seg_logits,
            size=labels.shape[1:],
            mode='bilinear',
            align_corners=head.align_corners)
        loss_decodes = (
            head.loss_decode if isinstance(head.loss_decode, nn.ModuleList)
            else [head.loss_decode])
        losses = {}
        for loss_decode in loss_decodes:
            loss = loss_decode(
                seg_logits,
                labels,
                weight=weights,
                ignore_index=head.ignore_index)
            name = loss_decode.loss_name
            losses[name] = losses[name] + loss if name in losses else loss
        return losses

    def _mixed_batch(self, source: dict, target: dict,
                     pseudo_labels: PseudoLabels) -> dict:
        """The class-mixed batch: inputs, labels and weights at the input
        size, and the target's samples (their metainfo) for the forward."""
        source_labels = _ground_truth(source)
        inputs, labels, weights, _ = self.class_mix(
            source['inputs'], source_labels, target['inputs'],
            pseudo_labels.labels, pseudo_labels.weights)
        if self.mix_transform is not None:
            inputs = self.mix_transform(inputs)
        return dict(
            inputs=inputs,
            data_samples=target['data_samples'],
            labels=labels,
            weights=weights)

    def _pseudo_labels(self, target: dict,
                       seg_logits: Tensor) -> PseudoLabels:
        """The pseudo-label generator's labels at the input resolution
        (where L_S compares), their weights, and what to log about them."""
        inputs, samples = target['inputs'], target['data_samples']
        height, width = inputs.shape[2:]
        with torch.no_grad():
            probs = F.softmax(
                resize(
                    seg_logits.detach(),
                    size=(height, width),
                    mode='bilinear',
                    align_corners=self.segmentor_module.decode_head.
                    align_corners),
                dim=1)
            valid = _valid_mask(samples, height, width, inputs.device)
            image_labels, image_label_weights = _image_labels(
                samples, inputs.device)
            generator = self.pseudo_labeler
            if isinstance(generator, ConfidencePseudoLabeler):
                labels, weights = generator(probs, valid, image_labels,
                                            image_label_weights)
                # Each image's confident share (its weight), averaged.
                share = weights.flatten(1).sum(1) / valid.flatten(1).sum(
                    1).clamp(min=1)
                logs = {'pl.weight': share.mean() * 100}
                return PseudoLabels(labels, weights, logs)
            superpixels = stack_superpixels(
                [
                    s.gt_superpixels.data if 'gt_superpixels' in s else None
                    for s in samples
                ], height, width,
                inputs.device)
            # What this step's labels were made with: the generator may end
            # its epoch inside the call and move p and the thresholds on.
            logs = {'pl.portion': generator.portion.clone() * 100}
            if generator.has_thresholds:
                for k, threshold in enumerate(generator.class_thresholds):
                    logs[f'pl.threshold.{k}'] = threshold.clone()
            labels = generator(
                probs,
                valid=valid,
                superpixels=superpixels,
                image_labels=image_labels,
                image_label_weights=image_label_weights)
            # The share of each class's predicted pixels that passed its
            # threshold, on the predictions it was applied to: p, if
            # Algorithm 1's statistics still describe the model.
            # With the pixel count, shares pool over many steps.
            if generator.pass_shares is not None:
                for k, share in enumerate(generator.pass_shares):
                    if not torch.isnan(share):
                        logs[f'pl.pass_share.{k}'] = share.float() * 100
                        logs[f'pl.predicted.{k}'] = (
                            generator.predicted_pixels[k].float())
            labelled = (labels != generator.ignore_index).sum()
            logs['pl.labelled'] = labelled.float() / valid.sum().clamp(
                min=1) * 100
        return PseudoLabels(labels, None, logs)

    def _srt_loss(self, source: dict, source_out: DomainOutputs,
                  target: dict, target_out: DomainOutputs,
                  target_labels: Optional[Tensor]) -> Tensor:
        """L_SRT between source pixel labels and target pseudo labels (or
        S2's target argmax when there are no pseudo labels)."""
        if source_out.head.features is None:
            raise TypeError('srt_loss needs the decode head\'s pixel '
                            'features; use a BaseDecodeHead subclass')
        source_labels = _ground_truth(source)
        if self.srt_target_labels == 'ground_truth':
            if not all('gt_sem_seg' in s for s in target['data_samples']):
                raise ValueError(
                    "srt_target_labels='ground_truth' needs the target "
                    "training images' label maps: give "
                    'train_dataloader.dataset.target a seg_map_path and '
                    'LoadAnnotations in its pipeline')
            target_labels = _ground_truth(target)
        elif target_labels is None:
            inputs = target['inputs']
            height, width = inputs.shape[2:]
            target_labels = resize(
                target_out.head.seg_logits.detach(),
                size=(height, width),
                mode='bilinear',
                align_corners=self.segmentor_module.decode_head.align_corners
            ).argmax(1)
            valid = _valid_mask(target['data_samples'], height, width,
                                inputs.device)
            target_labels[~valid] = self.srt_loss.ignore_index
        return self.srt_loss(source_out.head.features, source_labels,
                             target_out.head.features, target_labels)

    def _discriminator_step(self, optim: OptimWrapper, source_probs: Tensor,
                            target_probs: Tensor) -> Dict[str, Tensor]:
        with optim.optim_context(self.discriminator):
            if source_probs.shape[2:] != target_probs.shape[2:]:
                raise ValueError(
                    'source and target batches differ in size '
                    f'({tuple(source_probs.shape[2:])} vs '
                    f'{tuple(target_probs.shape[2:])}); crop both domains to '
                    'one size')
            logits = self.discriminator(
                torch.cat([source_probs, target_probs]))
            source_logits, target_logits = logits.split(
                [len(source_probs), len(target_probs)])
            name = self.discriminator_loss.loss_name
            losses = {
                f'disc.{name}_src':
                self.discriminator_loss(source_logits, SOURCE_LABEL),
                f'disc.{name}_tgt':
                self.discriminator_loss(target_logits, TARGET_LABEL),
            }
        loss, log_vars = self.parse_losses(losses)
        optim.update_params(loss)
        log_vars.pop('loss')
        with torch.no_grad():
            threshold = 0. if self.discriminator_loss.gan_type == 'vanilla' \
                else 0.5
            correct = torch.cat([(source_logits < threshold).flatten(),
                                 (target_logits >= threshold).flatten()])
            log_vars['disc.acc'] = correct.float().mean() * 100
        return log_vars
