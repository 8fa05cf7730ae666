#!/usr/bin/env bash
# The main job: install, then SRT training on the embedded EndoSynth data
# (generated on first use), then evaluation on its target test split, printing
# per-class IoU and mIoU. Extra arguments go to tools/train.py.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
cd "$SRT_ROOT"
bash tools/install.sh
CONFIG=configs/srt_endosynth.py
WORK_DIR=${WORK_DIR:-work_dirs/quickstart}
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" "$@"
"$PYTHON" tools/test.py "$CONFIG" "$(cat "$WORK_DIR/last_checkpoint")" \
    --work-dir "$WORK_DIR"
