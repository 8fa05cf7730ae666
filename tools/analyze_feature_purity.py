"""How pure each class's feature cells are when pixel labels meet features
``--stride`` times smaller: what a class centroid of L_SRT (Eq. 7, labels
downsampled to S2's features by nearest neighbour) averages over.

    python tools/analyze_feature_purity.py CONFIG \
        [--datasets source_train target_test] [--stride 16] [--scale 1.0]

For each dataset (a config key, as in the other tools, with masks), over
every label map (whole images resized as the config's test pipeline does,
then by ``--scale``: e.g. 0.75 for the middle of 0.5-1.0x training
crops), prints per class its share of the pixels, the share of the feature
cells labelled with it, and its purity: the mean share of the class among
the pixels of a cell labelled with it. A class whose cells are mostly other
classes gives a centroid of mostly other classes' features, however right
the labels.
"""

import torch
import torch.nn.functional as F

import mmseg_srt  # noqa: F401  (registers components)
from mmseg_srt.apis import feature_cell_purity, masked_dataset
from srt_tools.args import config_parser, load_config


def parse_args():
    parser = config_parser(__doc__.split('\n')[0], checkpoints=None)
    parser.add_argument('--datasets',
                        nargs='+',
                        default=['source_train', 'target_test'],
                        help='config keys of datasets with masks')
    parser.add_argument('--stride',
                        type=int,
                        default=16,
                        help="the features' output stride")
    parser.add_argument('--scale',
                        type=float,
                        default=1.0,
                        help='rescale the label maps (nearest) first')
    return parser.parse_args()


def dataset_purity(dataset, stride: int, scale: float):
    """Per class (K,): its share of all pixels, its share of all feature
    cells, its purity (mean share of the class in the cells it names) and
    its cell count (0: no purity)."""
    num_classes = len(dataset.metainfo['classes'])
    pixels = torch.zeros(num_classes)
    cells = torch.zeros(num_classes)
    purity = torch.zeros(num_classes)
    total_pixels = total_cells = 0
    for index in range(len(dataset)):
        labels = dataset[index]['data_samples'].gt_sem_seg.data[0].long()
        if scale != 1.0:
            labels = F.interpolate(
                labels[None, None].float(), scale_factor=scale,
                mode='nearest')[0, 0].long()
        counts, sums = feature_cell_purity(labels, stride, num_classes)
        cells += counts
        purity += sums
        pixels += torch.bincount(
            labels[labels < num_classes].flatten(),
            minlength=num_classes)[:num_classes].float()
        total_pixels += labels.numel()
        total_cells += (labels.shape[0] // stride) * (labels.shape[1] //
                                                       stride)
    return pixels / total_pixels, cells / total_cells, purity / cells.clamp(
        min=1), cells


def main():
    args = parse_args()
    cfg = load_config(args)
    results = {}
    for key in args.datasets:
        dataset = masked_dataset(cfg, key, args.config)
        classes = dataset.metainfo['classes']
        results[key] = dataset_purity(dataset, args.stride, args.scale)
    print(f'stride {args.stride}, scale {args.scale}: pixel share / cell '
          'share / purity (%), per dataset')
    print(f'{"class":12s}' + ''.join(f'{key:>28s}' for key in results))
    for k, name in enumerate(classes):
        cells = ''.join(
            f'{100 * p[k]:9.2f}{100 * c[k]:9.2f}'
            f'{(100 * u[k]) if n[k] else float("nan"):10.1f}'
            for p, c, u, n in results.values())
        print(f'{name:12s}' + cells)


if __name__ == '__main__':
    main()
