"""Benchmark metafiles, the tables generated from them
(tools/results_table.py) and the sweep that fills them (tools/sweep.py)."""
import json
import re
from pathlib import Path

import pytest
import yaml

from mmseg_srt.utils.model_zoo import (MetafileError, load_metafile,
                                       render_runs, render_summary)

from .conftest import REPO, run_tool, write_tiny_config

HAND_WRITTEN = '''
Collections:
- Name: demo
  Rows:
  - Config: configs/demo/b.py
    Row: BL
    Paper mIoU: 54.19
  - Config: configs/demo/a.py
    Row: Ours
Models:
- Name: a_seed0
  Config: configs/demo/a.py
  Metadata: {Seed: 0, Iterations: 2000}
  Results:
  - Metrics: {IoUn: 90.0, IoUd: 50.0, mIoU: 70.0}
  Command: python tools/train.py configs/demo/a.py
  Date: 2026-11-26
- Name: a_seed1
  Config: configs/demo/a.py
  Metadata: {Seed: 1, Iterations: 2000}
  Results:
  - Metrics: {IoUn: 92.0, IoUd: 52.0, mIoU: 72.0}
- Name: a_seed2
  Config: configs/demo/a.py
  Metadata: {Seed: 2, Iterations: 2000}
  Results:
  - Metrics: {IoUn: 94.0, IoUd: 60.0, mIoU: 77.0}
- Name: b_seed0
  Config: configs/demo/b.py
  Metadata: {Seed: 0}
  Results:
  - Metrics: {mIoU: 60.5, Precision.lesion: 80.0, Recall.lesion: 70.0}
- Name: a_mu10_seed0
  Config: configs/demo/a.py
  Metadata: {Seed: 0, Cfg Options: model.srt_loss.loss_weight=10.0}
  Results:
  - Metrics: {mIoU: 65.0}
'''


def _rows(table: str) -> dict:
    """First column -> cells, for the summary table's lines."""
    rows = {}
    for line in table.split('\n\n')[0].splitlines()[2:]:
        cells = [c.strip() for c in line.strip('|').split('|')]
        rows[cells[0]] = cells[1:]
    return rows


def test_table_from_a_hand_written_metafile(tmp_path):
    path = tmp_path / 'metafile.yaml'
    path.write_text(HAND_WRITTEN)
    rows = _rows(render_summary(load_metafile(str(path))))
    # the Rows order first, then what is not listed there
    assert list(rows) == ['BL', 'Ours', 'a (model.srt_loss.loss_weight=10.0)']
    config, seeds, iou_n, iou_d, miou, precision, recall, paper = rows['Ours']
    assert (config, seeds) == ('[a.py](a.py)', '0, 1, 2')
    # mean and sample standard deviation, by hand: mIoU 70, 72, 77 -> mean
    # 73, deviations -3, -1, 4, sum of squares 26, / (3 - 1) = 13, sqrt
    assert miou == '73.00 ± 3.61'
    assert iou_n == '92.00 ± 2.00'  # 90, 92, 94
    assert iou_d == '54.00 ± 5.29'  # 50, 52, 60: sqrt((16 + 4 + 36) / 2)
    assert (precision, recall, paper) == ('-', '-', '-')
    assert rows['BL'][1:] == ['0', '-', '-', '60.50', '80.00', '70.00',
                              '54.19']
    assert rows['a (model.srt_loss.loss_weight=10.0)'][4] == '65.00'


def test_a_collection_chooses_its_columns(tmp_path):
    """A multi-class benchmark's collection names the metrics it tabulates
    (CamVid: mIoU and each class's IoU) in its own order."""
    data = yaml.safe_load(HAND_WRITTEN)
    data['Collections'][0]['Columns'] = {'IoUd': 'lesion', 'mIoU': 'mIoU'}
    path = tmp_path / 'metafile.yaml'
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    table = render_summary(load_metafile(str(path)))
    assert table.splitlines()[0] == (
        '| row | config | seeds | lesion | mIoU | paper mIoU |')
    assert _rows(table)['Ours'][2:] == ['54.00 ± 5.29', '73.00 ± 3.61', '-']


def test_runs_view_prints_every_recorded_run(tmp_path):
    """--runs: one line per Models entry, in the file's order, with its
    seed, metrics, iterations, date and command; the README is untouched."""
    path = tmp_path / 'metafile.yaml'
    path.write_text(HAND_WRITTEN)
    readme = tmp_path / 'README.md'
    readme.write_text('unchanged\n')
    out = run_tool(['tools/results_table.py', str(path), '--runs']).stdout
    lines = out.splitlines()
    assert lines[0].startswith('| run | seed | IoUn | IoUd | mIoU |')
    names = [line.split('|')[1].strip() for line in lines[2:]]
    assert names == ['a_seed0', 'a_seed1', 'a_seed2', 'b_seed0',
                     'a_mu10_seed0']
    assert lines[2] == ('| a_seed0 | 0 | 90.00 | 50.00 | 70.00 | - | - | '
                        '2000 | 2026-11-26 | `python tools/train.py '
                        'configs/demo/a.py` |')
    assert readme.read_text() == 'unchanged\n'
    assert render_runs(load_metafile(str(path))) == out


def test_compare_reads_the_recorded_rows_from_the_metafile(tmp_path):
    """--compare puts a run's metrics beside the named rows' mean ± std
    over seeds, read from the metafile: change a recorded value and the
    printout changes with it."""
    path = tmp_path / 'metafile.yaml'
    path.write_text(HAND_WRITTEN)
    result = tmp_path / 'result.json'
    result.write_text(json.dumps({'mIoU': 71.5, 'IoUn': 91.0, 'aAcc': 9.}))
    command = ['tools/results_table.py', str(path), '--compare',
               str(result), '--rows', 'Ours', 'BL']
    lines = run_tool(command).stdout.splitlines()
    assert lines[2] == '| this run | - | 91.00 | - | 71.50 | - | - |'
    assert lines[3].startswith('| Ours | 0, 1, 2 | 92.00 ± 2.00 | ')
    assert '73.00 ± 3.61' in lines[3]
    assert lines[4] == '| BL | 0 | - | - | 60.50 | 80.00 | 70.00 |'
    data = yaml.safe_load(HAND_WRITTEN)
    data['Models'][2]['Results'][0]['Metrics']['mIoU'] = 80.0  # a_seed2
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    changed = run_tool(command).stdout.splitlines()
    # 70, 72, 80: mean 74, sample std sqrt((16 + 4 + 36) / 2) = 5.29
    assert '74.00 ± 5.29' in changed[3] and '73.00' not in changed[3]
    wrong = run_tool(command[:-2] + ['Nope'], expect_ok=False)
    assert wrong.returncode != 0 and "no recorded row ['Nope']" in (
        wrong.stderr)


@pytest.mark.parametrize('change,message', [
    (('a_seed1', 'Metadata', {'Iterations': 2000}),
     r"model 'a_seed1', Metadata: no 'Seed'"),
    (('a_seed1', 'Metadata', {'Seed': 'one'}), 'Seed must be an integer'),
    (('a_seed1', 'Results', [{'Metrics': {'IoUn': 1.0}}]),
     r"model 'a_seed1', Results\[0\].Metrics: no 'mIoU'"),
    (('a_seed1', 'Metadata', {'Seed': 0}), 'a second run of'),
])
def test_bad_entries_are_named(tmp_path, change, message):
    data = yaml.safe_load(HAND_WRITTEN)
    name, key, value = change
    next(m for m in data['Models'] if m['Name'] == name)[key] = value
    path = tmp_path / 'metafile.yaml'
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(MetafileError, match=message) as error:
        load_metafile(str(path))
    assert str(path) in str(error.value)


def test_results_table_tool_writes_and_checks_the_readme(tmp_path):
    (tmp_path / 'metafile.yaml').write_text(HAND_WRITTEN)
    readme = tmp_path / 'README.md'
    readme.write_text('# demo\n\n<!-- results-table: generated by tools/'
                      'results_table.py -->\nold\n<!-- results-table: end '
                      '-->\n\nafter\n')
    metafile = str(tmp_path / 'metafile.yaml')
    result = run_tool(['tools/results_table.py', metafile, '--check'],
                      expect_ok=False)
    assert result.returncode == 1 and 'out of date' in result.stdout
    run_tool(['tools/results_table.py', metafile])
    text = readme.read_text()
    assert '73.00 ± 3.61' in text and 'old' not in text
    assert text.startswith('# demo') and text.endswith('\nafter\n')
    run_tool(['tools/results_table.py', metafile, '--check'])


@pytest.mark.parametrize('benchmark',
                         ['endosynth', 'kvasir2cvc', 'kvasir2colondb',
                          'camvid_day2dusk'])
def test_benchmark_readmes_are_generated_from_their_metafiles(benchmark):
    """The shipped tables are what the metafile gives, not typed."""
    folder = REPO / 'configs' / benchmark
    data = load_metafile(str(folder / 'metafile.yaml'))
    for entry in data['Models'] + data['Collections'][0]['Rows']:
        assert (REPO / entry['Config']).is_file(), entry['Config']
        assert Path(entry['Config']).parent.name == benchmark
    run_tool(['tools/results_table.py', str(folder / 'metafile.yaml'),
              '--check'])
    # A model-zoo page a reader takes in at a glance: at most 8 KiB, its
    # findings' links resolve to sections of its experiments page.
    readme = (folder / 'README.md').read_text()
    assert len(readme.encode()) <= 8 * 1024
    experiments = REPO / 'docs' / 'experiments' / f'{benchmark}.md'
    for anchor in re.findall(
            rf'\(\.\./\.\./docs/experiments/{benchmark}\.md#([^)]+)\)', readme):
        assert anchor in _anchors(experiments.read_text()), anchor


def _anchors(markdown: str) -> set:
    """GitHub's anchors of a page's headings."""
    return {
        re.sub(r'[^\w\- ]', '', line.lstrip('#').strip().lower()).replace(
            ' ', '-')
        for line in markdown.splitlines() if line.startswith('#')
    }


def test_sweep_records_resumes_and_skips(tmp_path, tiny_endosynth):
    """Two seeds of a tiny config: seed 1 was stopped after its first
    checkpoint and resumes; both are tested and recorded; a second sweep
    runs nothing."""
    config = write_tiny_config(tmp_path, tiny_endosynth, max_iters=4,
                               checkpoint_interval=2)
    metafile = tmp_path / 'metafile.yaml'
    work_root = tmp_path / 'work'
    stopped = work_root / 'tiny_endosynth' / 'seed1'
    run_tool(['tools/train.py', str(config), '--work-dir', str(stopped),
              '--cfg-options', 'randomness.seed=1', 'train_cfg.max_iters=2'])
    sweep = ['tools/sweep.py', str(config), '--seeds', '0', '1', '--jobs',
             '2', '--metafile', str(metafile), '--work-root', str(work_root),
             '--report-every', '5', '--training-resources', '1x test box']
    result = run_tool(sweep)
    assert 'tiny_endosynth_seed1 (resumable)' in result.stdout
    assert 'tiny_endosynth_seed0 (new)' in result.stdout
    log = (stopped / 'sweep.log').read_text()
    assert '--resume' in log and 'Iter(train) [3/4]' in log
    assert 'Iter(train) [1/4]' not in log  # resumed, not restarted
    data = load_metafile(str(metafile))
    assert sorted(m['Metadata']['Seed'] for m in data['Models']) == [0, 1]
    for model in data['Models']:
        seed = model['Metadata']['Seed']
        work_dir = work_root / 'tiny_endosynth' / f'seed{seed}'
        # the recorded metrics are the test tool's output for that run
        output = sorted((work_dir / 'test').glob('*/*.json'))[-1]
        tested = json.loads(output.read_text())
        assert model['Results'][0]['Metrics']['mIoU'] == round(
            tested['mIoU'], 2)
        assert model['Metadata']['Iterations'] == 4
        assert model['Metadata']['Training Resources'] == '1x test box'
        assert f'randomness.seed={seed}' in model['Command']
        assert model['Metadata']['Training Data'] == [
            f'{tiny_endosynth}/source/train.txt (pixel labels)'
        ]
    again = run_tool(sweep)
    assert '2 run(s) already in' in again.stdout
    assert '0 to go' in again.stdout


def test_sweep_names_a_missing_config(tmp_path):
    result = run_tool([
        'tools/sweep.py',
        str(tmp_path / 'nope.py'), '--metafile',
        str(tmp_path / 'm.yaml')
    ], expect_ok=False)
    assert result.returncode != 0 and 'nope.py not found' in result.stderr


def test_stopped_sweep_ends_its_trainings(tmp_path, tiny_endosynth):
    """SIGTERM (e.g. from `timeout`) ends the training a sweep started, not
    only the sweep, and leaves the run to resume."""
    import signal
    import subprocess
    import sys
    import time
    config = write_tiny_config(tmp_path, tiny_endosynth, max_iters=10000,
                               checkpoint_interval=2)
    work_root = tmp_path / 'work'
    sweep = subprocess.Popen(
        [sys.executable, str(REPO / 'tools/sweep.py'), str(config),
         '--seeds', '0', '--metafile', str(tmp_path / 'metafile.yaml'),
         '--work-root', str(work_root)],
        cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    work_dir = work_root / 'tiny_endosynth' / 'seed0'
    log = work_dir / 'sweep.log'
    deadline = time.time() + 300
    while not (work_dir / 'last_checkpoint').exists():
        assert time.time() < deadline and sweep.poll() is None
        time.sleep(1)
    sweep.send_signal(signal.SIGTERM)
    output, _ = sweep.communicate(timeout=120)
    assert sweep.returncode == 1 and 'stopping' in output
    size = log.stat().st_size
    time.sleep(5)
    assert log.stat().st_size == size  # nothing trains on
    assert 'tiny_endosynth_seed0 (resumable)' in run_tool(
        ['tools/sweep.py', str(config), '--seeds', '0', '--metafile',
         str(tmp_path / 'metafile.yaml'), '--work-root', str(work_root),
         '--dry-run']).stdout


def test_a_run_with_options_gets_its_own_name(tmp_path):
    """A sweep with --cfg-options records beside the run without them
    (issue seen: both named <config>_seed0, and the second record broke
    the metafile); a clash is refused before anything is written."""
    import importlib.util

    from mmseg_srt.utils.model_zoo import add_run
    spec = importlib.util.spec_from_file_location('sweep_tool',
                                                  REPO / 'tools/sweep.py')
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    config = str(REPO / 'configs/endosynth/srt_deeplabv3-r18tiny_1.5k.py')
    plain = sweep.Run(config, 0, str(tmp_path), 1, [])
    mu1 = sweep.Run(config, 0, str(tmp_path), 1,
                    ['model.srt_loss.loss_weight=1.0'])
    assert plain.name == 'srt_deeplabv3-r18tiny_1.5k_seed0'
    assert mu1.name == 'srt_deeplabv3-r18tiny_1.5k_loss_weight-1.0_seed0'

    def model(name, options=None):
        metadata = {'Seed': 0, 'Training Data': ['x']}
        if options:
            metadata['Cfg Options'] = options
        return {
            'Name': name, 'In Collection': 'c', 'Config': 'a.py',
            'Metadata': metadata,
            'Results': [{'Task': 'Semantic Segmentation', 'Dataset': 'd',
                         'Metrics': {'mIoU': 1.0}}]
        }

    metafile = tmp_path / 'metafile.yaml'
    add_run(str(metafile), model('a_seed0'))
    before = metafile.read_text()
    with pytest.raises(MetafileError, match="'a_seed0'"):
        add_run(str(metafile), model('a_seed0', 'x=1'))
    assert metafile.read_text() == before
    add_run(str(metafile), model('a_x-1_seed0', 'x=1'))
    assert len(load_metafile(str(metafile))['Models']) == 2


def test_quickstart_prints_its_run_beside_the_recorded_rows(tmp_path):
    """The main job (cut to 2 iterations) ends with its own metrics beside
    the recorded rows, which it reads from the metafile: in a copy whose
    BL seed-0 mIoU is changed, the printed BL row changes with it."""
    import sys

    from mmseg_srt.utils.model_zoo import mean_std
    data = yaml.safe_load(
        (REPO / 'configs/endosynth/metafile.yaml').read_text())
    bl = 'configs/endosynth/bl_deeplabv3-r18tiny_1.5k.py'
    runs = [m for m in data['Models']
            if m['Config'] == bl and 'Cfg Options' not in m['Metadata']]
    runs[0]['Results'][0]['Metrics']['mIoU'] = 12.34
    values = [r['Results'][0]['Metrics']['mIoU'] for r in runs]
    metafile = tmp_path / 'metafile.yaml'
    metafile.write_text(yaml.safe_dump(data, sort_keys=False))
    work_dir = tmp_path / 'work'
    result = run_tool(
        ['tools/quickstart.sh', '--cfg-options', 'train_cfg.max_iters=2'],
        env=dict(WORK_DIR=str(work_dir), METAFILE=str(metafile),
                 SRT_PYTHON=sys.executable))
    lines = result.stdout.splitlines()
    start = lines.index(next(line for line in lines
                             if line.startswith('Your run beside')))
    table = lines[start + 1:]
    ours = json.loads(
        sorted((work_dir / 'test').glob('*/*.json'))[-1].read_text())
    assert table[2].startswith('| your run: configs/srt_endosynth.py | - |')
    assert f'| {ours["mIoU"]:.2f} |' in table[2]
    titles = [line.split('|')[1].strip() for line in table[3:7]]
    assert titles == ['Ours with mu 0.1', 'BL (source only)', 'BL+AL',
                      'Ours (BL+AL+PL+SRT, the paper preset)']
    assert f'| {mean_std(values)} |' in table[4]
