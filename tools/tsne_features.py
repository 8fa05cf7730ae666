"""t-SNE of source and target pixel features (paper Fig. 3).

    python tools/tsne_features.py CONFIG CKPT --out tsne.png \
        [--num-images 6] [--pixels-per-class 50] [--cfg-options k=v ...]

Features are S2's pixel features (the decode head's features before its
pixel classifier, the ones L_SRT aligns), labelled by the masks downsampled
to the feature map by nearest neighbour (as in SRTLoss). Source pixels come
from ``--source-dataset`` (default ``source_train``), target pixels from
``--dataset`` (default ``target_test``; any config key with masks). Each
image contributes up to ``--pixels-per-class`` random pixels per class, so
small classes (lesions) are not drowned. Colour = class, marker = domain:
aligned domains overlap per class.
"""

import numpy as np
import torch
from mmengine.utils import ProgressBar

import mmseg_srt  # noqa: F401  (registers components, safe loading)
from mmseg_srt.models.losses import downsample_labels
from mmseg_srt.apis import (build_dataset, dataset_config, has_masks, infer,
                            load_model, whole_image_pipeline)
from srt_tools.args import config_parser, load_config


def parse_args():
    parser = config_parser(__doc__.split('\n')[0], checkpoints='1')
    parser.add_argument('--out', default='tsne.png')
    parser.add_argument('--dataset',
                        default='target_test',
                        help='config key of the target dataset (with masks)')
    parser.add_argument('--source-dataset',
                        default='source_train',
                        help='config key of the source dataset')
    parser.add_argument('--num-images',
                        type=int,
                        default=6,
                        help='images per domain')
    parser.add_argument('--pixels-per-class',
                        type=int,
                        default=50,
                        help='pixels per class and image')
    parser.add_argument('--perplexity', type=float, default=30.)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def sample_features(model, dataset, num_images, per_class, rng, ignore_index):
    features, labels = [], []
    chosen = rng.choice(len(dataset), min(num_images, len(dataset)), False)
    progress = ProgressBar(len(chosen))
    for index in chosen:
        result = infer(model, dataset[int(index)])
        if result.features is None:
            raise TypeError('the decode head exposes no pixel features')
        feature_map = result.features[0]
        gt = downsample_labels(result.data_sample.gt_sem_seg.data,
                               feature_map.shape[-2:])[0]
        flat = feature_map.flatten(1).T
        gt = gt.flatten()
        for k in gt.unique().tolist():
            if k == ignore_index:
                continue
            where = torch.nonzero(gt == k).flatten().numpy()
            pick = rng.choice(where, min(per_class, len(where)), False)
            features.append(flat[pick].numpy())
            labels.append(np.full(len(pick), k))
        progress.update()
    print()
    return np.concatenate(features), np.concatenate(labels)


def main():
    args = parse_args()
    cfg = load_config(args)
    for key in (args.source_dataset, args.dataset):
        if not has_masks(dataset_config(cfg, key)):
            raise ValueError(f'dataset {key!r} has no masks: t-SNE colours '
                             'pixels by class')
    model = load_model(cfg, args.checkpoint)
    ignore_index = model.segmentor_module.decode_head.ignore_index \
        if hasattr(model, 'segmentor_module') else 255
    rng = np.random.default_rng(args.seed)
    domains = {}
    for domain, key in (('source', args.source_dataset), ('target',
                                                          args.dataset)):
        dataset = build_dataset(
            cfg, key,
            whole_image_pipeline(cfg, dict(type='LoadAnnotations'),
                                 dict(type='PackSRTInputs')))
        classes = dataset.metainfo['classes']
        print(f'{domain}: features of {key}')
        domains[domain] = sample_features(model, dataset, args.num_images,
                                          args.pixels_per_class, rng,
                                          ignore_index)
    from sklearn.manifold import TSNE
    stacked = np.concatenate([f for f, _ in domains.values()])
    perplexity = min(args.perplexity, (len(stacked) - 1) / 3)
    embedded = TSNE(n_components=2,
                    perplexity=perplexity,
                    init='pca',
                    random_state=args.seed).fit_transform(stacked)
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    figure, axis = plt.subplots(figsize=(6, 5))
    colours = plt.get_cmap('tab10' if len(classes) <= 10 else 'tab20')
    start = 0
    for (domain, (_, labels)), marker in zip(domains.items(), ('o', 'x')):
        points = embedded[start:start + len(labels)]
        start += len(labels)
        for k, name in enumerate(classes):
            mask = labels == k
            if mask.any():
                axis.scatter(points[mask, 0],
                             points[mask, 1],
                             s=8,
                             marker=marker,
                             color=colours(k),
                             alpha=0.6,
                             label=f'{domain}: {name}')
    axis.legend(fontsize=7, markerscale=2)
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_title(f't-SNE of S2 pixel features\n{args.checkpoint}',
                   fontsize=8)
    figure.tight_layout()
    figure.savefig(args.out, dpi=120)
    counts = {d: len(l) for d, (_, l) in domains.items()}
    print(f'figure: {args.out} ({counts} pixels)')


if __name__ == '__main__':
    main()
