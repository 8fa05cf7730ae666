from .batch import (ground_truth, image_labels_of, stack_pixel_maps,
                    valid_mask)
from .batch_norm import batch_norm_statistics, batch_norms
from .decode_head import (decode_head_outputs, weighted_decode_loss,
                          with_seg_maps)
from .wrappers import forward_replaced, frozen, unwrap

__all__ = [
    'batch_norm_statistics', 'batch_norms', 'decode_head_outputs',
    'forward_replaced', 'frozen', 'ground_truth', 'image_labels_of',
    'stack_pixel_maps', 'unwrap', 'valid_mask', 'weighted_decode_loss',
    'with_seg_maps'
]
