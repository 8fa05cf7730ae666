"""Write a benchmark README's results tables from its metafile.

The tables of ``configs/<benchmark>/README.md`` (between the
``results-table`` markers) come from ``configs/<benchmark>/metafile.yaml``,
never typed: one row per config with mean ± sample std over its seeds and
the paper's number where the collection gives one, then every run with its
seed, date and command. ``--check`` exits 1 when the README differs from
what the metafile gives.

Usage::

    python tools/results_table.py configs/kvasir2colondb/metafile.yaml
"""
import argparse
import os.path as osp
import sys

from mmseg_srt.utils.model_zoo import (load_metafile, render_tables,
                                       replace_table)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('metafile', help='configs/<benchmark>/metafile.yaml')
    parser.add_argument(
        '--readme',
        help='README to update (default: README.md beside the metafile)')
    parser.add_argument(
        '--check',
        action='store_true',
        help='change nothing; exit 1 if the README is not up to date')
    return parser.parse_args()


def main():
    args = parse_args()
    readme = args.readme or osp.join(osp.dirname(args.metafile), 'README.md')
    table = render_tables(load_metafile(args.metafile))
    with open(readme) as f:
        text = f.read()
    updated = replace_table(text, table, readme)
    if args.check:
        if updated != text:
            print(f'{readme} is out of date: run python tools/'
                  f'results_table.py {args.metafile}')
            sys.exit(1)
        print(f'{readme} is up to date')
        return
    with open(readme, 'w') as f:
        f.write(updated)
    print(f'{readme}: tables of {args.metafile} written')


if __name__ == '__main__':
    main()
