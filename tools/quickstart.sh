#!/usr/bin/env bash
# The main job: install, then SRT training on the embedded EndoSynth data
# (generated on first use), then evaluation on its target test split, printing
# per-class IoU and mIoU, and last the run's result beside the recorded rows
# of configs/endosynth/metafile.yaml (this preset, BL, BL+AL and the paper
# preset at mu 10: means and spreads over seeds). Extra arguments go to
# tools/train.py.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
cd "$SRT_ROOT"
bash tools/install.sh
CONFIG=configs/srt_endosynth.py
WORK_DIR=${WORK_DIR:-work_dirs/quickstart}
METAFILE=${METAFILE:-configs/endosynth/metafile.yaml}
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" "$@"
"$PYTHON" tools/test.py "$CONFIG" "$(cat "$WORK_DIR/last_checkpoint")" \
    --work-dir "$WORK_DIR/test"
RESULT=$(ls -t "$WORK_DIR"/test/*/*.json | head -n 1)
echo
echo "Your run beside the recorded ones ($METAFILE, mean ± std over seeds):"
"$PYTHON" tools/results_table.py "$METAFILE" --compare "$RESULT" \
    --title "your run: $CONFIG" --rows 'Ours with mu 0.1' \
    'BL (source only)' 'BL+AL' 'Ours (BL+AL+PL+SRT, the paper preset)'
