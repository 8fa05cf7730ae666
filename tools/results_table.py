"""A benchmark's results from its metafile: the README's summary table,
every recorded run, or one new run beside recorded rows.

The summary table of ``configs/<benchmark>/README.md`` (between the
``results-table`` markers) comes from ``configs/<benchmark>/metafile.yaml``,
never typed: one row per config (and options) with mean ± sample std over
its seeds and the paper's number where the collection gives one. A
collection with ``Tables`` gets one table each (``summary`` between the
plain markers, another between markers with its name); a table's
``Baseline`` row adds each row's mIoU difference to it in pooled sample
stds; a table with a ``Page`` goes into that file (a path from the README's
folder) between the same markers.
``--check`` exits 1 when the README differs from what the metafile gives.
``--runs`` prints every recorded run (seed, metrics, iterations, date,
command) instead. ``--compare METRICS_JSON --rows NAME ...`` prints one
run's metrics (the JSON ``tools/test.py`` writes) beside the recorded rows
with those titles. ``--overview README.md`` writes the cross-benchmark
table of the project's README (between the ``results-table overview``
markers) from every metafile given, one line per collection ``Overview``.

Usage::

    python tools/results_table.py configs/kvasir2colondb/metafile.yaml
    python tools/results_table.py configs/kvasir2colondb/metafile.yaml --runs
    python tools/results_table.py configs/endosynth/metafile.yaml \\
        --compare work_dirs/quickstart/20261129_120000/20261129_120000.json \\
        --rows 'BL (source only)' 'BL+AL'
    python tools/results_table.py configs/*/metafile.yaml --overview README.md
"""
import argparse
import json
import os.path as osp
import sys

from srt_tools.model_zoo import (OVERVIEW, MetafileError,
                                       compare_with_rows, load_metafile,
                                       render_overview, render_runs,
                                       render_summary, replace_table, tables)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'metafile',
        nargs='+',
        help='configs/<benchmark>/metafile.yaml (several with --overview)')
    parser.add_argument(
        '--overview',
        metavar='README',
        help='write the cross-benchmark table of every metafile given into '
        'this README instead')
    parser.add_argument(
        '--readme',
        help='README to update (default: README.md beside the metafile)')
    parser.add_argument(
        '--check',
        action='store_true',
        help='change nothing; exit 1 if the README is not up to date')
    parser.add_argument(
        '--runs',
        action='store_true',
        help='print every recorded run; change nothing')
    parser.add_argument(
        '--compare',
        metavar='METRICS_JSON',
        help='print this run (tools/test.py\'s metrics JSON) beside the '
        'rows given by --rows; change nothing')
    parser.add_argument(
        '--rows', nargs='+', default=[], help='row titles for --compare')
    parser.add_argument(
        '--title', default='this run', help='the --compare run\'s title')
    return parser.parse_args()


def write_or_check(readme: str, text: str, updated: str, check: bool,
                   command: str) -> bool:
    """Write ``updated`` into ``readme``, or with ``check`` say whether it
    differs from ``text``; False when it is out of date."""
    if check:
        if updated != text:
            print(f'{readme} is out of date: run python tools/'
                  f'results_table.py {command}')
            return False
        print(f'{readme} is up to date')
        return True
    with open(readme, 'w') as f:
        f.write(updated)
    print(f'{readme}: tables of {command} written')
    return True


def overview(args) -> None:
    try:
        metafiles = [(path, load_metafile(path)) for path in args.metafile]
        table = render_overview(metafiles, args.overview)
    except MetafileError as error:
        sys.exit(str(error))
    with open(args.overview) as f:
        text = f.read()
    try:
        updated = replace_table(text, table, args.overview, OVERVIEW)
    except ValueError as error:
        sys.exit(str(error))
    if not write_or_check(
            args.overview, text, updated, args.check,
            ' '.join(args.metafile) + f' --overview {args.overview}'):
        sys.exit(1)


def main():
    args = parse_args()
    if args.overview:
        overview(args)
        return
    if len(args.metafile) > 1:
        sys.exit('one metafile at a time, or several with --overview README')
    args.metafile = args.metafile[0]
    data = load_metafile(args.metafile)
    if args.runs:
        print(render_runs(data), end='')
        return
    if args.compare:
        with open(args.compare) as f:
            metrics = json.load(f)
        try:
            table = compare_with_rows(data, metrics, args.rows, args.title)
        except KeyError as error:
            sys.exit(f'{args.metafile}: {error.args[0]}')
        print(table, end='')
        return
    readme = args.readme or osp.join(osp.dirname(args.metafile), 'README.md')
    # page -> [text read, text with its tables written in]
    pages = {}
    for table in tables(data):
        page = readme
        if table.get('Page'):
            page = osp.normpath(
                osp.join(osp.dirname(readme) or '.', table['Page']))
        if page not in pages:
            if not osp.isfile(page):
                sys.exit(f"{args.metafile}: table {table['Name']!r}: page "
                         f'{page} not found')
            with open(page) as f:
                text = f.read()
            pages[page] = [text, text]
        folder = osp.relpath(
            osp.dirname(osp.abspath(readme)),
            osp.dirname(osp.abspath(page))) if page != readme else ''
        try:
            rendered = render_summary(data, table, folder)
        except MetafileError as error:
            sys.exit(f'{args.metafile}: {error}')
        try:
            pages[page][1] = replace_table(pages[page][1], rendered, page,
                                           table['Name'])
        except ValueError as error:
            sys.exit(str(error))
    results = [
        write_or_check(page, text, updated, args.check, args.metafile)
        for page, (text, updated) in pages.items()
    ]
    if not all(results):
        sys.exit(1)


if __name__ == '__main__':
    main()
