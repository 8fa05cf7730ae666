"""Model loading and whole-image inference for the tools
(tools/inference.py, tools/visualize_pseudo_labels.py, tools/tsne_features.py,
tools/analyze_errors.py, tools/analyze_feature_purity.py,
tools/analyze_image_label_veto.py): a trained model from a config and a
checkpoint, a dataset of the config read with a deterministic pipeline, one
inference pass that returns what the training step would see, a class's
errors split by where they lie, how pure a class's feature cells are at a
stride, and what the image-label veto changes in a model's labels."""
import copy
from typing import List, NamedTuple, Optional, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.models.utils import resize
from mmseg.registry import DATASETS, MODELS
from torch import Tensor, nn

from ..models.losses.srt_loss import downsample_labels
from ..models.pseudo_labels.confidence_pseudo_labels import (
    CONFIDENCE_THRESHOLD, ConfidencePseudoLabeler, allowed_by_image_labels)
from ..models.utils import decode_head_outputs
from ..utils.checkpoint import load_checkpoint_safely

# An SRT adapter's segmentor weights in its state dict.
ADAPTER_SEGMENTOR = 'segmentor.'
# Adapter state that only training uses (not the segmentor, not D).
TRAINING_ONLY = ('teacher.', 'pseudo_labeler.', 'srt_loss.')


def load_model(cfg: Config, checkpoint: str) -> nn.Module:
    """The config's model with the checkpoint's weights and buffers
    (thresholds, centroids), in eval mode, on CPU.

    A segmentor and an SRT adapter around the same segmentor take each
    other's checkpoints: a plain segmentor config reads the segmentor part
    of an adapter's checkpoint (Ours against BL under one config), and an
    adapter config reads a plain segmentor's checkpoint into its segmentor
    (its discriminator and pseudo-label state stay as built). Training-only
    state that one adapter has and the other has not (an EMA teacher,
    pseudo-label statistics of another kind, centroids) is left out, so
    every preset's run compares under one config."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(copy.deepcopy(cfg.model))
    state = load_checkpoint_safely(checkpoint)
    state = state.get('state_dict', state)
    target = model
    from_adapter = any(key.startswith(ADAPTER_SEGMENTOR) for key in state)
    if from_adapter and segmentor_of(model) is model:
        state = {
            key[len(ADAPTER_SEGMENTOR):]: value
            for key, value in state.items()
            if key.startswith(ADAPTER_SEGMENTOR)
        }
    elif not from_adapter:  # the model itself when it is a segmentor
        target = segmentor_of(model)
    missing, unexpected = target.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith(TRAINING_ONLY)]
    unexpected = [k for k in unexpected if not k.startswith(TRAINING_ONLY)]
    if unexpected or missing:
        raise KeyError(f'{checkpoint} does not fit the config\'s model: '
                       f'missing {missing[:5]}, unexpected {unexpected[:5]}')
    return model.eval()


def segmentor_of(model: nn.Module) -> nn.Module:
    return getattr(model, 'segmentor_module', model)


def config_transform(cfg: Config, pipeline_key: str, type_name: str):
    """The first transform of ``type_name`` in the config's target training
    pipeline (to reuse e.g. SuperpixelSLIC's settings and cache)."""
    dataset = cfg.train_dataloader.dataset
    pipeline = dataset.get(pipeline_key, {}).get('pipeline', [])
    for transform in pipeline:
        if transform['type'] == type_name:
            return copy.deepcopy(transform)
    return None


def whole_image_pipeline(cfg: Config, *tail: dict) -> List[dict]:
    """Load a whole image, resize it as the config's test pipeline does,
    then ``tail`` (no crops, flips or photometric changes). A
    ``LoadAnnotations`` in ``tail`` comes before the resize, so the mask is
    resized with the image (nearest neighbour): predictions, pseudo labels
    and masks share the network's resolution, whatever the frame size."""
    loads = [t for t in tail if t['type'] == 'LoadAnnotations']
    rest = [t for t in tail if t['type'] != 'LoadAnnotations']
    pipeline = [dict(type='LoadImageFromFile'), *loads]
    pipeline += [
        copy.deepcopy(t) for t in cfg.test_pipeline if t['type'] == 'Resize'
    ]
    return pipeline + rest


def dataset_config(cfg: Config, key: str) -> dict:
    """Dataset ``key`` of the config: a top-level variable such as
    ``target_train_oracle`` or ``target_test``, a dotted path from the root
    such as ``val_dataloader.dataset``, or a key of
    ``train_dataloader.dataset`` such as ``target``."""
    parts = key.split('.')
    node = cfg if parts[0] in cfg else cfg.train_dataloader.dataset
    for part in parts:
        if part not in node:
            raise KeyError(f'no dataset {key!r} in the config (a top-level '
                           'variable, a dotted path, or a key of '
                           'train_dataloader.dataset)')
        node = node[part]
    return copy.deepcopy(node)


def has_masks(dataset_cfg: dict) -> bool:
    return dataset_cfg.get('with_seg_map', True) is not False and \
        'seg_map_path' in dataset_cfg.get('data_prefix', {})


def build_dataset(cfg: Config, key: str, pipeline: List[dict]):
    """Dataset ``key`` (see :func:`dataset_config`) with ``pipeline``."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = dataset_config(cfg, key)
    dataset_cfg['pipeline'] = pipeline
    return DATASETS.build(dataset_cfg)


def masked_dataset(cfg: Config, key: str, config_name: str):
    """Dataset ``key`` of the config with its masks, whole images resized
    as the test pipeline does (a clear error naming the config when it has
    no masks)."""
    if not has_masks(dataset_config(cfg, key)):
        raise ValueError(f'dataset {key!r} of {config_name} has no masks; '
                         'pass --dataset with one that has')
    return build_dataset(
        cfg, key,
        whole_image_pipeline(cfg, dict(type='LoadAnnotations'),
                             dict(type='PackSRTInputs')))


def component_heights(label_map: np.ndarray, class_index: int,
                      min_pixels: float = 1) -> List[int]:
    """The heights (bounding-box rows) of the 8-connected components of
    ``class_index`` in a (H, W) label map with at least ``min_pixels``
    pixels: how tall a class's objects are drawn."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(
        (label_map == class_index).astype(np.uint8), connectivity=8)
    return [
        int(stats[i, cv2.CC_STAT_HEIGHT]) for i in range(1, count)
        if stats[i, cv2.CC_STAT_AREA] >= min_pixels
    ]


def class_index(dataset, class_name: str, config_name: str) -> int:
    """Index of ``class_name`` among the dataset's classes (a clear error
    listing them when it is not one)."""
    classes = list(dataset.metainfo['classes'])
    if class_name not in classes:
        raise KeyError(f'--class {class_name!r} is not a class of '
                       f'{config_name}: {classes}')
    return classes.index(class_name)


class Inference(NamedTuple):
    probs: Tensor  # (B, K, H, W) at the input size
    features: Optional[Tensor]  # (B, C, h, w) S2 pixel features
    data_sample: object  # one data sample; a list of B from infer_batch
    inputs: Tensor  # (B, 3, H, W) as the network saw them


@torch.no_grad()
def infer_batch(model: nn.Module, items: List[dict]) -> Inference:
    """Segmentor forward of dataset items as one batch (no test-time
    resizing; the items must share a size, as the training crops do)."""
    segmentor = segmentor_of(model)
    batch = segmentor.data_preprocessor(pseudo_collate(items), False)
    features = segmentor.extract_feat(batch['inputs'])
    outputs = decode_head_outputs(segmentor.decode_head, features)
    probs = F.softmax(
        resize(
            outputs.seg_logits,
            size=batch['inputs'].shape[2:],
            mode='bilinear',
            align_corners=segmentor.decode_head.align_corners),
        dim=1)
    return Inference(probs, outputs.features, batch['data_samples'],
                     batch['inputs'])


def infer(model: nn.Module, item: dict) -> Inference:
    """Segmentor forward of one dataset item (no test-time resizing)."""
    result = infer_batch(model, [item])
    return result._replace(data_sample=result.data_sample[0])


class ErrorSplit(NamedTuple):
    """One class's pixel counts in one image, false positives split by
    their distance to the nearest true pixel of the class."""
    true_positives: int
    false_negatives: int
    false_positives_near: int  # within ``ring`` pixels of the class
    false_positives_far: int  # farther, or anywhere if the class is absent


def split_errors(predicted: np.ndarray, truth: np.ndarray,
                 ring: float) -> ErrorSplit:
    """Count a class's errors in one image; ``predicted`` and ``truth`` are
    boolean (H, W) masks of the class. A false positive is near when its
    Euclidean distance to the closest true pixel is at most ``ring``: a
    boundary drawn a little wide, rather than a separate false object."""
    if predicted.shape != truth.shape:
        raise ValueError(f'prediction {predicted.shape} and mask '
                         f'{truth.shape} differ in size')
    false_positives = predicted & ~truth
    if truth.any():
        # distance of every pixel to the nearest true pixel: exact L2 in
        # float32, so a distance of exactly ``ring`` may come out 1e-6 over
        distance = cv2.distanceTransform((~truth).astype(np.uint8),
                                         cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        near = distance <= ring + 1e-3
    else:
        near = np.zeros_like(truth)
    return ErrorSplit(
        int((predicted & truth).sum()), int((~predicted & truth).sum()),
        int((false_positives & near).sum()),
        int((false_positives & ~near).sum()))


def feature_cell_purity(labels: Tensor, stride: int, num_classes: int
                        ) -> Tuple[Tensor, Tensor]:
    """What a class's pixel features hold when labels meet features
    ``stride`` times smaller, as the SRT centroids see them: the (H, W)
    label map (cropped to a multiple of ``stride``) is downsampled by
    nearest neighbour (as ``SRTLoss``), and each feature cell covers its
    ``stride`` x ``stride`` block. Returns per class (K,) the number of
    cells labelled with it and the sum over those cells of the class's
    share of the block's pixels (ignored pixels count as other classes):
    their ratio is the class's purity, 1 when every cell it names is all
    that class."""
    height = labels.shape[0] // stride * stride
    width = labels.shape[1] // stride * stride
    labels = labels[:height, :width].long()
    cells = downsample_labels(labels[None], (height // stride,
                                             width // stride))[0]
    valid = (labels >= 0) & (labels < num_classes)
    one_hot = F.one_hot(labels.where(valid, num_classes),
                        num_classes + 1)[..., :num_classes]
    shares = F.avg_pool2d(
        one_hot.permute(2, 0, 1)[None].float(), stride)[0]  # (K, h, w)
    counts = torch.zeros(num_classes)
    purity_sums = torch.zeros(num_classes)
    for k in range(num_classes):
        named = cells == k
        counts[k] = named.sum()
        purity_sums[k] = shares[k][named].sum()
    return counts, purity_sums


class VetoReach(NamedTuple):
    """What the image-label veto changes in one batch of predictions: per
    class (K,) pixel and image counts, and per image (B,) weights."""
    predicted: Tensor  # pixels whose argmax is the class
    vetoed: Tensor  # ... in an image whose labels say the class is absent
    confident: Tensor  # pixels whose argmax is the class, at the threshold
    confident_vetoed: Tensor  # ... in an image without the class
    absent_images: Tensor  # images whose labels say the class is absent
    weight: Tensor  # the image's confident share without the veto
    weight_with_veto: Tensor  # ... with it (absent classes renormalised out)


def veto_reach(probs: Tensor,
               image_labels: Tensor,
               image_label_weights: Optional[Tensor] = None,
               confidence_threshold: float = CONFIDENCE_THRESHOLD
               ) -> VetoReach:
    """How far the image-label veto of :class:`ConfidencePseudoLabeler`
    reaches on (B, K, H, W) probabilities: the argmax pixels of classes the
    (B, K) image labels say are absent (the veto relabels each of them),
    and the images' confident shares (DAFormer's weight) without and with
    the veto. An unknown image label (weight 0) vetoes nothing."""
    num_classes = probs.shape[1]
    absent = 1 - allowed_by_image_labels(image_labels,
                                         image_label_weights).to(probs)
    top, predicted = probs.max(dim=1)
    one_hot = F.one_hot(predicted, num_classes).permute(0, 3, 1, 2).to(probs)
    vetoed = one_hot * absent[:, :, None, None]
    confident = (top >= confidence_threshold)[:, None].to(probs)
    weights = []
    for use_image_labels in (False, True):
        labeler = ConfidencePseudoLabeler(
            num_classes,
            confidence_threshold=confidence_threshold,
            use_image_labels=use_image_labels)
        weights.append(labeler(probs, None, image_labels,
                               image_label_weights)[1].flatten(1).mean(1))
    return VetoReach(
        one_hot.sum((0, 2, 3)), vetoed.sum((0, 2, 3)),
        (one_hot * confident).sum((0, 2, 3)),
        (vetoed * confident).sum((0, 2, 3)), absent.sum(0), *weights)
