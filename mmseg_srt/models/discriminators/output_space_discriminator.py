"""The output-space discriminator D (paper section 3.3, after [26]).

"5 convolutional layers with stride of 2 and kernel of 3 ... channels
{16, 32, 64, 64, 1} ... Excluding the last convolution layer, the activation
function of each filter is Leaky ReLU with the parameter as 0.2." It reads
S2's softmax maps (K channels) and returns one logit per output location, the
evidence that the map came from the target domain (Eq. 6).
"""
from typing import Sequence

import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class OutputSpaceDiscriminator(BaseModule):
    """Fully convolutional discriminator on class-probability maps.

    Args:
        num_classes: Input channels (K, the softmax maps).
        channels: Output channels of every convolution but the last, which
            has one.
        kernel_size: Kernel of every convolution.
        stride: Stride of every convolution.
        negative_slope: Leaky ReLU slope after every convolution but the last.
        init_cfg: mmengine initialisation config; None keeps PyTorch's
            default (Kaiming-uniform) initialisation, as AdaptSegNet's D. A
            narrow normal init (std 0.02) leaves five stacked layers with a
            vanishing signal: D's loss sits at log 2 for hundreds of steps.
    """

    def __init__(self,
                 num_classes: int,
                 channels: Sequence[int] = (16, 32, 64, 64),
                 kernel_size: int = 3,
                 stride: int = 2,
                 negative_slope: float = 0.2,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        layers = []
        in_channels = num_classes
        for out_channels in list(channels) + [1]:
            layers.append(
                nn.Conv2d(
                    in_channels,
                    out_channels,
                    kernel_size,
                    stride=stride,
                    padding=kernel_size // 2))
            layers.append(nn.LeakyReLU(negative_slope, inplace=True))
            in_channels = out_channels
        self.layers = nn.Sequential(*layers[:-1])  # no activation at the end

    def forward(self, probabilities: Tensor) -> Tensor:
        """(B, K, H, W) probabilities -> (B, 1, H / 32, W / 32) logits."""
        return self.layers(probabilities)
