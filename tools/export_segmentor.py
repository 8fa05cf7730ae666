"""Export the segmentor of an SRTAdapter checkpoint for plain MMSegmentation.

SRT training saves the whole adapter (``segmentor.*``, ``discriminator.*``,
optimizer states). Deployment needs the segmentor alone::

    python tools/export_segmentor.py work_dirs/srt/iter_2000.pth \
        --out srt_seg.pth

The output loads into the wrapped segmentor's config with mmseg's own tools
(``load_from``, ``tools/test.py``, ``mmseg.apis.init_model``). The input is
read with ``torch.load(weights_only=True)`` (see mmseg_srt.utils.checkpoint).
"""
import argparse
from collections import OrderedDict

from mmseg_srt.utils import (load_checkpoint_safely, require_checkpoints,
                             save_checkpoint_atomically)

PREFIX = 'segmentor.'


def export_segmentor(checkpoint: dict) -> dict:
    """The segmentor's state dict and meta from an adapter checkpoint.

    Raises:
        KeyError: the checkpoint holds no ``segmentor.*`` weights.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    segmentor = OrderedDict((key[len(PREFIX):], value)
                            for key, value in state_dict.items()
                            if key.startswith(PREFIX))
    if not segmentor:
        raise KeyError('no "segmentor.*" weights: not an SRTAdapter '
                       'checkpoint (a plain segmentor checkpoint loads as is)')
    meta = dict(checkpoint.get('meta', {}))
    meta['exported_from'] = 'SRTAdapter'
    return dict(state_dict=segmentor, meta=meta)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='SRTAdapter checkpoint')
    parser.add_argument(
        '--out', required=True, help='segmentor checkpoint to write')
    return parser.parse_args()


def main():
    args = parse_args()
    require_checkpoints([args.checkpoint])
    exported = export_segmentor(
        load_checkpoint_safely(args.checkpoint, map_location='cpu'))
    save_checkpoint_atomically(exported, args.out)
    print(f'{len(exported["state_dict"])} segmentor tensors written to '
          f'{args.out}')


if __name__ == '__main__':
    main()
