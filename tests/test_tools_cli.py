"""Every tool speaks one command-line language (tools/README.md): --help
runs, a tool that reads a config accepts --cfg-options, outputs are --out
(a file) or --out-dir (a folder), never a positional argument."""
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


def test_every_tool_helps_and_reads_configs_with_cfg_options():
    tools = _tools()
    assert len(tools) >= 15
    running = {
        tool: subprocess.Popen([sys.executable, tool, '--help'],
                               cwd=str(REPO),
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE,
                               text=True)
        for tool in tools
    }
    problems = []
    for tool, process in running.items():
        out, err = process.communicate(timeout=300)
        if process.returncode != 0:
            problems.append(f'{tool} --help exited {process.returncode}: '
                            f'{err[-300:]}')
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
