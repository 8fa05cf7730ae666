"""Every tool speaks one command-line language (tools/README.md): --help
runs, a tool that reads a config accepts --cfg-options, outputs are --out
(a file) or --out-dir (a folder), never a positional argument."""
import pytest
import json
import re
import subprocess
import sys

from .conftest import REPO

# tools/test.py keeps mmseg's own arguments (its --out is a folder).
MMSEG_OWN = {'tools/train.py', 'tools/test.py'}


def _tools():
    """Every script with a command line (helper modules beside them, such
    as tools/convert_datasets/urban_labels.py, have none)."""
    return sorted(
        str(p.relative_to(REPO)) for pattern in (
            'tools/*.py', 'tools/convert_datasets/*.py',
            'tools/model_converters/*.py') for p in REPO.glob(pattern)
        if "__name__ == '__main__'" in p.read_text())


# Runs every tool's --help in ONE interpreter (mmseg imported once, not
# once per tool): each tool as __main__ with its own folder first on
# sys.path, as `python TOOL --help` would have it; prints {tool: [exit code,
# stdout, stderr]} as JSON.
HELP_RUNNER = """
import contextlib, io, json, os, runpy, sys
results = {}
for tool in sys.argv[1:]:
    out, err = io.StringIO(), io.StringIO()
    sys.argv = [tool, '--help']
    sys.path.insert(0, os.path.dirname(os.path.abspath(tool)))
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            runpy.run_path(tool, run_name='__main__')
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    except Exception as error:
        code, err = 1, io.StringIO(repr(error))
    finally:
        sys.path.pop(0)
    results[tool] = [code, out.getvalue(), err.getvalue()]
sys.stdout.write(json.dumps(results))
"""


@pytest.mark.slow
def test_every_tool_helps_and_reads_configs_with_cfg_options():
    tools = _tools()
    assert len(tools) >= 15
    process = subprocess.run([sys.executable, '-c', HELP_RUNNER, *tools],
                             cwd=str(REPO),
                             capture_output=True,
                             text=True,
                             timeout=600)
    assert process.returncode == 0, process.stderr[-2000:]
    # Anything a tool printed at import time precedes the JSON.
    results = json.loads(process.stdout[process.stdout.index('{"'):])
    assert sorted(results) == tools
    problems = []
    for tool, (code, out, err) in results.items():
        if code != 0:
            problems.append(f'{tool} --help exited {code}: {err[-300:]}')
            continue
        usage = ' '.join(out.split('\n\n')[0].split())
        positionals = re.sub(r'\[[^\]]*\]', ' ', usage.split(':', 1)[1])
        positionals = positionals.split()[1:]  # after the program name
        if {'config', 'configs'} & set(positionals) and \
                '--cfg-options' not in out:
            problems.append(f'{tool} reads a config without --cfg-options')
        if tool not in MMSEG_OWN and {'out', 'dst', 'out_dir'} & set(
                positionals):
            problems.append(f'{tool}: an output as a positional argument '
                            f'({positionals})')
    assert not problems, '\n'.join(problems)
