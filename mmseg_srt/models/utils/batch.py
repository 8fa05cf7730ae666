"""What a preprocessed batch (``dict(inputs=..., data_samples=...)``) holds,
as tensors: the valid (unpadded) pixels, the label maps, the image labels."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmseg.utils import SampleList
from torch import Tensor


def valid_mask(data_samples: SampleList,
               height: int,
               width: int,
               device,
               size: Optional[Tuple[int, int]] = None) -> Tensor:
    """(B, H, W) True inside each sample's image, False on the padding of a
    (B, C, H, W) batch (the data preprocessor pads at the bottom and right);
    with ``size``, resized to it (nearest)."""
    valid = torch.zeros((len(data_samples), height, width),
                        dtype=torch.bool,
                        device=device)
    for i, sample in enumerate(data_samples):
        img_height, img_width = sample.metainfo.get('img_shape',
                                                    (height, width))[:2]
        valid[i, :img_height, :img_width] = True
    if size is not None:
        valid = F.interpolate(
            valid[:, None].float(), size=size, mode='nearest')[:, 0].bool()
    return valid


def ground_truth(batch: dict) -> Tensor:
    """(B, H, W) label maps of a preprocessed batch (padded by the data
    preprocessor)."""
    return torch.stack([s.gt_sem_seg.data[0] for s in batch['data_samples']
                        ]).to(batch['inputs'].device)


def image_labels_of(data_samples: SampleList, device
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


def stack_pixel_maps(maps: Sequence[Tensor], height: int, width: int,
                     device, fill: float) -> Tensor:
    """(B, H, W) per-sample maps ((h, w) or (1, h, w)) at the top-left of a
    padded (H, W) batch, as the data preprocessor pads the images; ``fill``
    on the padding."""
    out = torch.full((len(maps), height, width), fill, device=device,
                     dtype=maps[0].dtype if len(maps) else torch.float)
    for i, pixel_map in enumerate(maps):
        pixel_map = pixel_map.reshape(pixel_map.shape[-2:])
        out[i, :pixel_map.shape[0], :pixel_map.shape[1]] = pixel_map.to(
            device)
    return out
