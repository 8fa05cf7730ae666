"""How tall each class's objects are drawn in a config's datasets: to scale
the source frames so that objects have about the sizes they have in the
target.

    python tools/analyze_object_sizes.py CONFIG \
        [--datasets source_train target_test] [--classes car pedestrian] \
        [--min-pixels 50]

For each dataset (a config key with masks) the label maps are read at their
stored size (no resize); every 8-connected component of a class with at
least ``--min-pixels`` pixels of a 480x360 frame, scaled to the map's area,
counts as an object. Prints per class and dataset the number of objects and
their median and 75th-percentile heights in pixels, and each dataset's
ratio to the first.
"""
import numpy as np

import mmseg_srt  # noqa: F401  (registers components)
from mmseg_srt.apis import (build_dataset, class_index, component_heights,
                            dataset_config, has_masks)
from srt_tools.args import config_parser, load_config

REFERENCE_AREA = 480 * 360


def parse_args():
    parser = config_parser(__doc__.split('\n')[0], checkpoints=None)
    parser.add_argument('--datasets',
                        nargs='+',
                        default=['source_train', 'target_test'],
                        help='config keys of datasets with masks; ratios '
                        'are to the first')
    parser.add_argument('--classes',
                        nargs='+',
                        default=['car', 'pedestrian'],
                        help='class names')
    parser.add_argument('--min-pixels',
                        type=float,
                        default=50,
                        help='smallest object, in pixels of a 480x360 '
                        'frame (scaled to each map\'s area)')
    return parser.parse_args()


def heights_of(dataset, indices, min_pixels: float) -> dict:
    """Class index -> the heights of its objects over the dataset."""
    heights = {k: [] for k in indices}
    for i in range(len(dataset)):
        label_map = dataset[i]['gt_seg_map']
        area = label_map.shape[0] * label_map.shape[1]
        for k in indices:
            heights[k] += component_heights(
                label_map, k, min_pixels * area / REFERENCE_AREA)
    return heights


def main():
    args = parse_args()
    cfg = load_config(args)
    results = {}
    for key in args.datasets:
        if not has_masks(dataset_config(cfg, key)):
            raise SystemExit(f'dataset {key!r} of {args.config} has no '
                             'masks; pass --datasets with ones that have')
        dataset = build_dataset(cfg, key, [dict(type='LoadAnnotations')])
        indices = [
            class_index(dataset, name, args.config) for name in args.classes
        ]
        results[key] = heights_of(dataset, indices, args.min_pixels)
    first = args.datasets[0]
    print('objects, median / 75th-percentile height (pixels), ratio to '
          f'{first}')
    for name, k in zip(args.classes, indices):
        for key, heights in results.items():
            values = np.array(heights[k] or [0])
            median, p75 = np.median(values), np.percentile(values, 75)
            reference = np.array(results[first][k] or [0])
            ratio = (f'{median / max(np.median(reference), 1e-9):.2f}x / '
                     f'{p75 / max(np.percentile(reference, 75), 1e-9):.2f}x')
            print(f'{name:12s} {key:24s} {len(heights[k]):6d} '
                  f'{median:7.1f} / {p75:5.1f}   {ratio}')


if __name__ == '__main__':
    main()
