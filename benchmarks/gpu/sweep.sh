#!/usr/bin/env bash
# A tools/sweep.py sweep on a CUDA machine without internet:
#   bash benchmarks/gpu/sweep.sh CARRY OUT_DIR SWEEP_ARGUMENTS...
# CARRY is made by benchmarks/gpu/pack.py (wheels, mmcv's source, and with
# --data-root data/<name> the benchmark's data); a carried CARRY/pretrain
# folder stands in for pretrain/. Installs what is missing (install.py), links
# CARRY/data/<name> to data/<name> and CARRY/pretrain to pretrain/ where this
# checkout has none, runs tools/sweep.py with SWEEP_ARGUMENTS (give it
# --metafile OUT_DIR/metafile.yaml, a copy of the benchmark's, to merge back,
# and --training-resources naming the card), then packs every run's logs,
# scalars and test metrics (no checkpoints) into OUT_DIR/logs.tar.gz.
# SWEEP_TIMEOUT=SECONDS stops the sweep (its runs are resumable) in time for
# the packing when the machine's time is bounded.
set -euo pipefail
CARRY=${1:?usage: bash benchmarks/gpu/sweep.sh CARRY OUT_DIR SWEEP_ARGUMENTS...}
OUT_DIR=${2:?usage: bash benchmarks/gpu/sweep.sh CARRY OUT_DIR SWEEP_ARGUMENTS...}
shift 2
PYTHON=${PYTHON:-python3}
CARRY=$(cd "$CARRY" && pwd)
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
start=$(date +%s)
mkdir -p "$OUT_DIR" data work_dirs
"$PYTHON" benchmarks/gpu/install.py --carry "$CARRY"
for folder in "$CARRY"/data/*/; do
    name=$(basename "$folder")
    [ -e "data/$name" ] || ln -s "$folder" "data/$name"
done
if [ -d "$CARRY/pretrain" ] && [ ! -e pretrain ]; then
    ln -s "$CARRY/pretrain" pretrain
fi
status=0
timeout -s TERM "${SWEEP_TIMEOUT:-0}" "$PYTHON" tools/sweep.py "$@" || status=$?
find work_dirs -name '*.log' -o -name 'scalars.json' -o -path '*/test/*.json' \
    | tar czf "$OUT_DIR/logs.tar.gz" -T -
echo "[gpu-sweep] install and sweep: $(( $(date +%s) - start )) s (sweep exit $status)"
exit $status
