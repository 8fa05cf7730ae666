"""Fill the superpixel cache of a config's target images before training.

``SuperpixelSLIC`` caches each image's SLIC map the first time a dataloader
worker needs it, so the first pass over the target set pays for them all
(about 4 s per 2048x1024 Cityscapes frame on one CPU core). This runs the
same transform, with the same parameters and cache files, over every target
training image in ``--nproc`` processes, with a progress bar; images already
cached are skipped, so it can be stopped and run again.

Usage::

    python tools/precompute_superpixels.py configs/srt_gta2cityscapes.py \
        --nproc 16
"""
from functools import partial

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.utils import track_parallel_progress, track_progress
from mmseg.registry import DATASETS, TRANSFORMS

from srt_tools.args import config_parser, load_config


def target_dataset_cfg(cfg: Config):
    dataset = cfg.train_dataloader.dataset
    if 'target' not in dataset:
        raise ValueError(f'{cfg.filename}: train_dataloader.dataset has no '
                         'target (is it an SRT config?)')
    return dataset.target


def superpixel_step(pipeline: list, where: str) -> dict:
    steps = [s for s in pipeline if s.get('type') == 'SuperpixelSLIC']
    if not steps:
        raise ValueError(f'{where}: the target pipeline has no '
                         'SuperpixelSLIC')
    if steps[0].get('cache_dir') is None:
        raise ValueError(f'{where}: SuperpixelSLIC has no cache_dir, so '
                         'there is nothing to fill')
    return steps[0]


def _cache_one(img_path: str, step: dict) -> bool:
    return TRANSFORMS.build(step).cache(img_path)


def precompute(cfg: Config, nproc: int = 1) -> int:
    """Cache every target image's superpixels; returns how many were new."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = target_dataset_cfg(cfg).copy()
    step = superpixel_step(dataset_cfg.pipeline, cfg.filename)
    dataset_cfg.pipeline = []
    dataset = DATASETS.build(dataset_cfg)
    paths = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    print(f'{len(paths)} target images -> {step["cache_dir"]}')
    work = partial(_cache_one, step=dict(step))
    if nproc > 1:
        computed = track_parallel_progress(work, paths, nproc)
    else:
        computed = track_progress(work, paths)
    new = sum(computed)
    print(f'computed {new}, already cached {len(paths) - new}')
    return new


def parse_args():
    parser = config_parser(
        'Fill the SuperpixelSLIC cache of a config\'s target set',
        checkpoints=None,
        config_help='an SRT config with pseudo labels')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    import mmseg_srt  # noqa: F401  (registers the datasets and transform)
    precompute(cfg, args.nproc)


if __name__ == '__main__':
    main()
