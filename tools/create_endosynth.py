"""Generate the embedded EndoSynth data (no download).

The dataset class does this on first use; this tool makes it explicit or
writes variants (another seed, more images):

    python tools/create_endosynth.py data/endosynth
    python tools/create_endosynth.py data/endosynth_s1 --seed 1
"""
import argparse

from mmseg_srt.datasets import generate_endosynth


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='output folder')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--height', type=int, default=128)
    parser.add_argument('--width', type=int, default=160)
    parser.add_argument('--num-source-train', type=int, default=240)
    parser.add_argument('--num-source-val', type=int, default=40)
    parser.add_argument('--num-target-train', type=int, default=200)
    parser.add_argument('--num-target-test', type=int, default=80)
    return parser.parse_args()


def main():
    args = parse_args()
    root = generate_endosynth(
        args.root,
        seed=args.seed,
        height=args.height,
        width=args.width,
        num_source_train=args.num_source_train,
        num_source_val=args.num_source_val,
        num_target_train=args.num_target_train,
        num_target_test=args.num_target_test)
    print(f'EndoSynth ready in {root}')


if __name__ == '__main__':
    main()
