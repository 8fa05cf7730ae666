"""SRTAdapter: domain adaptation around any mmseg encoder-decoder (paper
Eq. 1, 3, 6, 7, sections 3.1 and 3.4).

A training step reads top to bottom as the method: label the target batch
(Eq. 5, Algorithm 2: :mod:`.self_training`, from the :mod:`.teacher` when
there is one), update the segmentor with D frozen on ``L_S + L_C + eta *
L_adv + mu * L_SRT`` (Eq. 1; :mod:`.srt_alignment`, :mod:`.adversarial`),
then update D on detached maps (Eq. 6). Each update runs in its own
``optim_context`` and ``update_params`` (clipping, accumulation and AMP
work per optimizer). Each part can be None (the rows of Table 2).
Inference is the segmentor's. docs/design.md says how the step stays
DDP-correct and which of mmseg's private API it uses.
"""
from contextlib import nullcontext
from typing import Dict, NamedTuple, Optional, Tuple, Union

from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.runner.checkpoint import get_state_dict
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, SampleList, add_prefix
from torch import Tensor, nn
from torch.profiler import record_function

from ..decode_heads.cls_refined_aspp_head import HeadOutputs
from ..pseudo_labels import PseudoLabels
from ..utils import (batch_norm_statistics, decode_head_outputs,
                     forward_replaced, image_labels_of, unwrap, valid_mask)
from .adversarial import OutputSpaceAdversary
from .self_training import SelfTraining, mix_transform_defaults
from .srt_alignment import SRT_TARGET_LABELS, SRTAlignment
from .teacher import NORM_STATS, EMATeacher


class DomainOutputs(NamedTuple):
    """What one domain's forward pass produced."""
    losses: Dict[str, Tensor]
    head: HeadOutputs


@MODELS.register_module()
class SRTAdapter(BaseModel):
    """Wraps an mmseg segmentor for source/target training.

    Every part's ``num_classes``, ``feature_channels`` and ``ignore_index``
    default to the decode head's. Args not in the paper say so.

    Args:
        segmentor: An mmseg encoder-decoder (auxiliary heads: source only).
        discriminator: The output-space D, e.g.
            ``dict(type='OutputSpaceDiscriminator')``; None: no L_D.
        adversarial_loss: S2's adversarial term; ``loss_weight`` is eta
            (0.3, Fig. 5), ``gan_type`` is also D's.
        target_cls_loss: Train S1 on the target's image labels too (Eq. 2).
        pseudo_labeler: A ``BasePseudoLabeler``: ``PseudoLabelGenerator``
            (Eq. 5) or ``ConfidencePseudoLabeler`` (DAFormer's; not in the
            paper); None: no pseudo labels (BL+AL, BL+AL+SRT).
        srt_loss: L_SRT, e.g. ``dict(type='SRTLoss')`` (:mod:`.srt_alignment`
            says which labels its target centroids take).
        srt_target_labels: ``'predicted'`` (the paper) or the diagnostic
            ``'ground_truth'`` (:class:`.SRTAlignment`).
        pseudo_label_loss: Train L_S's target term; False keeps the pseudo
            labels for the centroids only (Ours-woPL).
        teacher_momentum: Pseudo labels from an :class:`.EMATeacher` of this
            momentum (not in the paper); None: from the segmentor.
        class_mix: A cross-domain mix, e.g. ``dict(type='ClassMix')`` (DACS;
            not in the paper): L_S's target term trains on source classes
            pasted into the teacher-labelled target. Needs a teacher.
        mix_transform: Applied to the mixed images, e.g.
            ``dict(type='ColorJitterBlur')`` (not in the paper); ``mean``,
            ``std``, ``channel_order`` default to the preprocessor's.
        weak_label_loss: A loss of S2's target logits against the image
            labels, e.g. ``dict(type='ImageLabelPoolingLoss')`` (not in the
            paper).
        target_updates_norm_stats: Whether the segmentor's forward of the
            clean target batch (for D, L_C, L_SRT or the weak-label loss)
            and of the target frames updates its batch norms' running
            statistics, the ones it is tested with. False (not in the
            paper): the batch normalises with its own statistics as in any
            training forward, and the running ones are left to the source
            and mixed batches, as in a self-training step without that
            forward.
        teacher_norm_stats: ``'running'`` or ``'batch'`` (EMATeacher).
        teacher_warmup: The teacher's momentum max(m, 1 / (t + 1)) at its
            update t (EMATeacher, DAFormer); False: m throughout.
        discriminator_input: ``'input'`` or ``'logits'``
            (:class:`.OutputSpaceAdversary`).
        data_preprocessor: Unused in training (each domain goes through the
            segmentor's own); accepted because the Runner passes it.
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
                 target_updates_norm_stats: bool = True,
                 teacher_norm_stats: str = 'running',
                 teacher_warmup: bool = False,
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
        _check_choice('srt_target_labels', srt_target_labels,
                      SRT_TARGET_LABELS)
        _check_choice('teacher_norm_stats', teacher_norm_stats, NORM_STATS)
        head = self.segmentor.decode_head
        defaults = dict(
            num_classes=head.num_classes, ignore_index=head.ignore_index)

        def build(cfg: OptConfigType, **default_args) -> Optional[nn.Module]:
            return None if cfg is None else MODELS.build(
                cfg, default_args=default_args)

        self.discriminator = build(
            discriminator, num_classes=head.num_classes)
        self.adversarial_loss = MODELS.build(adversarial_loss)
        self.discriminator_loss = MODELS.build(
            dict(
                type='AdversarialLoss',
                gan_type=self.adversarial_loss.gan_type,
                loss_weight=1.0,
                loss_name='loss_disc'))
        self.adversary = OutputSpaceAdversary(
            self.adversarial_loss,
            self.discriminator_loss,
            discriminator_input,
            align_corners=head.align_corners)
        self.target_cls_loss = target_cls_loss
        self.target_updates_norm_stats = target_updates_norm_stats
        self.pseudo_labeler = build(pseudo_labeler, **defaults)
        self.pseudo_label_loss = pseudo_label_loss
        self.srt_loss = build(
            srt_loss,
            feature_channels=head.channels,
            align_corners=head.align_corners,
            **defaults)
        self.srt_alignment = None if self.srt_loss is None else SRTAlignment(
            self.srt_loss, srt_target_labels, align_corners=head.align_corners)
        self.teacher = None
        if teacher_momentum is not None:
            if self.pseudo_labeler is None:
                raise ValueError('teacher_momentum makes pseudo labels: it '
                                 'needs a pseudo_labeler')
            self.teacher = EMATeacher(
                self.segmentor,
                teacher_momentum,
                norm_stats=teacher_norm_stats,
                warmup=teacher_warmup)
        if teacher_warmup and self.teacher is None:
            raise ValueError('teacher_warmup sets the EMA teacher\'s '
                             'momentum: it needs teacher_momentum')
        if class_mix is not None and self.teacher is None:
            raise ValueError('class_mix pastes source pixels into target '
                             'images labelled by the teacher: it needs '
                             'teacher_momentum')
        if class_mix is not None and not pseudo_label_loss:
            raise ValueError('class_mix trains the pseudo-label term on the '
                             'mixed batch: it needs pseudo_label_loss=True')
        if mix_transform is not None and class_mix is None:
            raise ValueError('mix_transform changes the mixed batch: it '
                             'needs class_mix')
        self.class_mix = build(class_mix, ignore_index=head.ignore_index)
        self.mix_transform = None if mix_transform is None else build(
            mix_transform,
            **mix_transform_defaults(self.segmentor.data_preprocessor))
        self.weak_label_loss = build(weak_label_loss)
        self.self_training = None
        if self.pseudo_labeler is not None:
            self.self_training = SelfTraining(
                self.pseudo_labeler,
                self.class_mix,
                self.mix_transform,
                align_corners=head.align_corners)
        # The segmentor forwards the clean target batch for every target
        # term but class-mixed self-training, which trains on the mix. The
        # image-level terms (L_C, the weak-label loss) read a batch of
        # whole target frames instead where the data has one
        # (SourceTargetDataset's target_frames).
        self.image_level_target_terms = bool(
            target_cls_loss or self.weak_label_loss is not None)
        self.pixel_level_target_terms = bool(
            self.discriminator is not None or self.srt_loss is not None
            or (self.pseudo_labeler is not None and self.class_mix is None))
        self.student_sees_target = (
            self.image_level_target_terms or self.pixel_level_target_terms)
        self.uses_target = (
            self.student_sees_target or self.pseudo_labeler is not None)

    def state_dict(self, *args, destination=None, prefix='', keep_vars=False):
        """Keys without DDP's ``module.`` however the children are wrapped
        (``MMSeparateDistributedDataParallel`` wraps them in place, and
        mmengine's loader would silently skip ``segmentor.module.*``)."""
        return get_state_dict(
            self, destination=destination, prefix=prefix, keep_vars=keep_vars)

    # Inference: the segmentor's own.
    @property
    def segmentor_module(self) -> nn.Module:
        return unwrap(self.segmentor)

    @property
    def teacher_ready(self) -> bool:
        """Whether an EMA teacher holds an average (see EMATeacher.ready)."""
        return self.teacher is not None and self.teacher.ready

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor'):
        return self.segmentor_module(inputs, data_samples, mode)

    def val_step(self, data: Union[dict, tuple, list]) -> list:
        return self.segmentor.val_step(data)

    def test_step(self, data: Union[dict, tuple, list]) -> list:
        return self.segmentor.test_step(data)

    def train_step(self, data: dict,
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
                   ) -> Dict[str, Tensor]:
        """One SRT step on ``dict(source=batch, target=batch)``, with
        ``target_frames=batch`` (the target's frames whole) for L_C and
        the weak-label loss where the data has it. Each part runs in a
        named profiler scope ('srt:...'; free when no profiler records):
        benchmarks/bench_srt_iteration.py --profile."""
        segmentor_optim = (
            optim_wrapper['segmentor']
            if isinstance(optim_wrapper, OptimWrapperDict) else optim_wrapper)
        preprocess = self.segmentor_module.data_preprocessor
        with record_function('srt:data_preprocessor'):
            source = preprocess(data['source'], True)
            target = (preprocess(data['target'], True)
                      if self.uses_target else None)
            frames = (preprocess(data['target_frames'], True)
                      if self.image_level_target_terms
                      and 'target_frames' in data else None)
        # The batch the image-level terms read.
        image_level = target if frames is None else frames
        forward_target = self.pixel_level_target_terms or (
            self.image_level_target_terms and frames is None)

        # 1. The segmentor, with D frozen.
        with segmentor_optim.optim_context(self.segmentor):
            pseudo_labels = mixed = None
            if self.class_mix is not None:
                # The teacher labels the clean target before the segmentor
                # trains: the mixed batch is made of its labels.
                pseudo_labels = self._pseudo_labels(target)
                with record_function('srt:class_mix'):
                    mixed = self.self_training.mixed_batch(
                        source, target, pseudo_labels)
            with record_function('srt:segmentor_forward'):
                source_out, target_out, mixed_out, frames_out = (
                    self._run_segmentor(
                        source, target if forward_target else None, mixed,
                        frames))
            image_level_out = target_out if frames is None else frames_out
            losses = add_prefix(source_out.losses, 'src')
            for out in (target_out, frames_out):
                if out is not None:
                    losses.update(add_prefix(out.losses, 'tgt'))
            if self.pseudo_labeler is not None:
                if pseudo_labels is None:
                    pseudo_labels = self._pseudo_labels(target, target_out)
                losses.update(pseudo_labels.log_vars)
            if self.pseudo_labeler is not None and self.pseudo_label_loss:
                with record_function('srt:pseudo_label_loss'):
                    outputs, batch = ((mixed_out, mixed) if mixed is not None
                                      else (target_out, target))
                    losses.update(
                        self.self_training.loss(
                            self.segmentor_module.decode_head,
                            outputs.head.seg_logits, batch, pseudo_labels))
            if self.weak_label_loss is not None:
                with record_function('srt:weak_label_loss'):
                    losses['tgt.' + self.weak_label_loss.loss_name] = (
                        self._weak_label_loss(image_level, image_level_out))
            if self.srt_loss is not None:
                with record_function('srt:srt_loss'):
                    losses.update(
                        self.srt_alignment.losses(source, source_out.head,
                                                  target, target_out.head,
                                                  pseudo_labels))
            if self.discriminator is not None:
                with record_function('srt:adversarial_term'):
                    target_probs = self.adversary.probabilities(
                        target_out.head.seg_logits, target['inputs'])
                    losses.update(
                        self.adversary.fooling_loss(self.discriminator,
                                                    target_probs))
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
                        self.adversary.probabilities(
                            source_out.head.seg_logits.detach(),
                            source['inputs']),
                        # The adversarial term's map, without its graph.
                        target_probs.detach()))
        return log_vars

    def _pseudo_labels(self,
                       target: dict,
                       target_out: Optional[DomainOutputs] = None
                       ) -> PseudoLabels:
        """The target batch's pseudo labels: from the teacher once it holds
        an average, else from the segmentor's own ``target_out``. Before a
        class mix (no ``target_out``) the teacher is readied first: its
        first update copies the segmentor as initialised."""
        if target_out is None and not self.teacher.ready:
            self.teacher.update_parameters(self.segmentor_module)
        with record_function('srt:pseudo_labels'):
            seg_logits = (
                self.teacher.seg_logits(target['inputs']) if self.teacher_ready
                else target_out.head.seg_logits)
            return self.self_training.pseudo_labels(seg_logits, target)

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

    def _forward_domains(self, source: dict, target: Optional[dict],
                         mixed: Optional[dict],
                         frames: Optional[dict] = None) -> Tuple:
        """Source, target, mixed and target-frame outputs (None for a batch
        not given)."""
        outputs = [
            self._forward_domain(
                source['inputs'], source['data_samples'], pixel_labels=True)
        ]
        # S1 learns from the target frames where given, else the target
        # crops; the mixed batch's image labels are neither image's.
        cls_batch = target if frames is None else frames
        for batch in (target, mixed, frames):
            if batch is None:
                outputs.append(None)
                continue
            keep_running_stats = (
                batch is not mixed and not self.target_updates_norm_stats)
            with (batch_norm_statistics(self.segmentor_module)
                  if keep_running_stats else nullcontext()):
                outputs.append(
                    self._forward_domain(
                        batch['inputs'],
                        batch['data_samples'],
                        pixel_labels=False,
                        cls_loss=batch is cls_batch))
        return tuple(outputs)

    def _run_segmentor(self,
                       source: dict,
                       target: Optional[dict],
                       mixed: Optional[dict] = None,
                       frames: Optional[dict] = None) -> Tuple:
        """Every batch the segmentor trains on in ONE call of
        ``self.segmentor``: under DDP that is one forward per backward, as
        DDP requires; each batch still passes the network separately, so
        batch norm sees one domain (or the mixed batch) at a time."""
        with forward_replaced(self.segmentor_module, self._forward_domains):
            return self.segmentor(source, target, mixed, frames)

    def _weak_label_loss(self, target: dict,
                         target_out: DomainOutputs) -> Tensor:
        """The weak-label loss of S2's target logits (at their own size,
        padding left out) against the target's image labels."""
        samples = target['data_samples']
        seg_logits = target_out.head.seg_logits
        image_labels, weights = image_labels_of(samples, seg_logits.device)
        if image_labels is None:
            raise ValueError('weak_label_loss needs the target\'s image '
                             'labels: a target dataset with image labels and '
                             'PackSRTInputs in its pipeline')
        valid = valid_mask(samples, *target['inputs'].shape[2:],
                           seg_logits.device, size=seg_logits.shape[2:])
        return self.weak_label_loss(seg_logits, image_labels, weights, valid)

    def _discriminator_step(self, optim: OptimWrapper, source_probs: Tensor,
                            target_probs: Tensor) -> Dict[str, Tensor]:
        """D's update on both domains' detached maps (Eq. 6)."""
        with optim.optim_context(self.discriminator):
            losses, accuracy = self.adversary.discriminator_losses(
                self.discriminator, source_probs, target_probs)
        loss, log_vars = self.parse_losses(losses)
        optim.update_params(loss)
        log_vars.pop('loss')
        log_vars['disc.acc'] = accuracy
        return log_vars


def _check_choice(name: str, value: str, choices: Tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f'{name} must be one of {choices}, got {value!r}')
