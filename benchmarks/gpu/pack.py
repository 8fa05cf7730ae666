"""Gather what the GPU check needs onto a machine without internet.

    python benchmarks/gpu/pack.py --out-dir CARRY [--python-version 3.12]
        [--data-root data/kvasir2cvc --num-images 64 [--splits SPLIT ...]]
        [--no-download]

Run here, where pip reaches a package index; then copy ``CARRY`` (a few MB
plus the data) with the checkout to the GPU machine and run
``benchmarks/gpu/run.sh CARRY`` there. It holds:

- ``wheels/``: the pure-Python distributions mmseg-srt needs beyond PyTorch
  and a scientific Python stack, at the versions installed in this
  environment (mmengine, mmsegmentation and their small dependencies;
  setuptools < 82 for ``pkg_resources``);
- ``mmcv-<version>.tar.gz``: mmcv's source at this environment's version;
- ``data/<name>``: with ``--data-root data/<name>``, the first
  ``--num-images`` names (0: all) of every split (or of the ``--splits``
  named, e.g. ``source/train.txt``) of a converted polyp folder, with their
  images, masks and image labels: ``data/kvasir2cvc`` for the check's
  real-data part, any benchmark's folder for a sweep on the GPU
  (``benchmarks/gpu/sweep.sh``).

The machine must already have numpy, opencv, scipy, scikit-image, Pillow,
PyYAML, packaging, matplotlib, rich and regex (a CUDA PyTorch image does).
"""
import argparse
import importlib.metadata
import os
import os.path as osp
import shutil
import subprocess
import sys
from typing import List, Optional

# Distributions carried as wheels; their versions are this environment's.
WHEELS = ('mmengine', 'mmsegmentation', 'addict', 'yapf', 'platformdirs',
          'termcolor', 'prettytable', 'wcwidth', 'ftfy', 'wheel')
# setuptools 82 removed pkg_resources.
SETUPTOOLS = 'setuptools==80.9.0'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out-dir', required=True)
    parser.add_argument(
        '--python-version',
        default='3.12',
        help="the GPU machine's Python (wheels are pure Python; this only "
        'guards pip against wheels that do not support it)')
    parser.add_argument(
        '--data-root',
        help='a converted polyp folder to subset (the GPU check reads '
        'data/kvasir2cvc)')
    parser.add_argument('--num-images',
                        type=int,
                        default=64,
                        help='names per split (0: all)')
    parser.add_argument(
        '--splits',
        nargs='+',
        help='split files to carry, relative to --data-root (default: all)')
    parser.add_argument('--no-download',
                        action='store_true',
                        help='only the data subset (no package index needed)')
    return parser.parse_args(argv)


def download(out_dir: str, python_version: str) -> None:
    wheels = osp.join(out_dir, 'wheels')
    os.makedirs(wheels, exist_ok=True)
    pins = [f'{name}=={importlib.metadata.version(name)}'
            for name in WHEELS] + [SETUPTOOLS]
    base = [sys.executable, '-m', 'pip', 'download', '--no-deps', '-q']
    subprocess.run(base + [
        '--only-binary=:all:', '--python-version', python_version,
        '--implementation', 'py', '-d', wheels, *pins
    ],
                   check=True)
    mmcv = f'mmcv=={importlib.metadata.version("mmcv")}'
    subprocess.run(base + ['--no-binary', ':all:', '-d', out_dir, mmcv],
                   check=True)


def split_files(root: str):
    """Every split list (``*/<split>.txt`` without image labels) of a
    converted polyp folder."""
    for domain in sorted(os.listdir(root)):
        folder = osp.join(root, domain)
        if not osp.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith('.txt') and not name.startswith('image_labels'):
                yield domain, name


def subset_data(root: str,
                out: str,
                num_images: int,
                splits: Optional[List[str]] = None) -> dict:
    """Copy the first ``num_images`` names (0: all) of each split of
    ``root`` (or of each of ``splits``, 'domain/split.txt') with their files
    (any ``<name>.*`` under the domain's folders) and image-label lines.
    Returns {split file: count}."""
    if not osp.isfile(osp.join(root, 'meta.json')):
        raise SystemExit(f'{root} is not a converted polyp folder (no '
                         'meta.json): run tools/convert_datasets/polyp.py')
    chosen = list(split_files(root))
    if splits:
        if any('/' not in split for split in splits):
            raise SystemExit(f'--splits: give each as DOMAIN/SPLIT.txt, '
                             f'e.g. source/train.txt (got {splits})')
        chosen = [tuple(split.split('/', 1)) for split in splits]
        for domain, split in chosen:
            if not osp.isfile(osp.join(root, domain, split)):
                raise SystemExit(f'--splits: {osp.join(root, domain, split)}'
                                 ' does not exist')
    counts = {}
    for domain, split in chosen:
        src, dst = osp.join(root, domain), osp.join(out, domain)
        with open(osp.join(src, split)) as f:
            names = [line.strip() for line in f if line.strip()]
        names = names[:num_images] if num_images else names
        os.makedirs(dst, exist_ok=True)
        with open(osp.join(dst, split), 'w') as f:
            f.writelines(name + '\n' for name in names)
        counts[f'{domain}/{split}'] = len(names)
        wanted = set(names)
        for sub in ('images', 'masks'):
            folder = osp.join(src, sub)
            if not osp.isdir(folder):
                continue
            os.makedirs(osp.join(dst, sub), exist_ok=True)
            for file in os.listdir(folder):
                if osp.splitext(file)[0] in wanted:
                    shutil.copy(osp.join(folder, file),
                                osp.join(dst, sub, file))
        labels = osp.join(src, 'image_labels.txt')
        if osp.isfile(labels):
            kept = []
            with open(labels) as f:
                kept = [
                    line for line in f
                    if line.split() and line.split()[0] in wanted
                ]
            with open(osp.join(dst, 'image_labels.txt'), 'a') as f:
                f.writelines(kept)
    shutil.copy(osp.join(root, 'meta.json'), osp.join(out, 'meta.json'))
    return counts


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    if not args.no_download:
        download(args.out_dir, args.python_version)
        print(f'[gpu-pack] wheels and mmcv source in {args.out_dir}')
    if args.data_root:
        out = osp.join(args.out_dir, 'data',
                       osp.basename(osp.normpath(args.data_root)))
        if osp.isdir(out):
            shutil.rmtree(out)
        counts = subset_data(args.data_root, out, args.num_images,
                             args.splits)
        print(f'[gpu-pack] data subset in {out}: ' +
              ', '.join(f'{k} {v}' for k, v in counts.items()))


if __name__ == '__main__':
    main()
