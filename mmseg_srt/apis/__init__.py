"""What the tools share: a trained model from a config and a checkpoint,
datasets of a config with a deterministic whole-image pipeline, inference
that returns what a training step sees, errors split by where they lie, the
image-label veto's reach, and batch-norm statistics re-estimated on another
dataset (as mmseg keeps its model loading and inference in ``mmseg.apis``).
"""
from ..models.utils import batch_norm_statistics
from .analysis import (Inference, build_dataset, class_index,
                       component_heights,
                       config_transform, dataset_config,
                       feature_cell_purity, has_masks, infer,
                       infer_batch, load_model, masked_dataset, segmentor_of,
                       split_errors, veto_reach, whole_image_pipeline)
from .norm_statistics import dataset_batches, estimate_norm_statistics

__all__ = [
    'Inference', 'batch_norm_statistics', 'build_dataset', 'class_index',
    'component_heights',
    'config_transform', 'dataset_batches', 'dataset_config',
    'estimate_norm_statistics', 'feature_cell_purity',
    'has_masks', 'infer', 'infer_batch',
    'load_model', 'masked_dataset', 'segmentor_of', 'split_errors',
    'veto_reach', 'whole_image_pipeline'
]
