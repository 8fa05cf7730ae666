# Sourced by tools/install.sh, quickstart.sh and run_tests.sh: sets PYTHON to
# the interpreter mmseg-srt is (to be) installed into, in this order:
#   $SRT_PYTHON if set;
#   the active virtualenv or conda environment;
#   otherwise <repo>/.venv, created here on first use.
SRT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -n "${SRT_PYTHON:-}" ]; then
    PYTHON=$SRT_PYTHON
elif [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
    PYTHON=$VIRTUAL_ENV/bin/python
elif [ -n "${CONDA_PREFIX:-}" ] && [ -x "$CONDA_PREFIX/bin/python" ]; then
    PYTHON=$CONDA_PREFIX/bin/python
else
    if [ ! -x "$SRT_ROOT/.venv/bin/python" ]; then
        echo "[mmseg-srt] creating virtual environment $SRT_ROOT/.venv"
        python3 -m venv "$SRT_ROOT/.venv"
    fi
    PYTHON=$SRT_ROOT/.venv/bin/python
fi
export PYTHON
