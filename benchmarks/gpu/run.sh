#!/usr/bin/env bash
# The one-shot GPU check on a CUDA machine without internet:
#   bash benchmarks/gpu/run.sh CARRY [OUT_DIR]
# CARRY is made by benchmarks/gpu/pack.py (wheels, mmcv's source, a Kvasir
# subset). Installs what is missing (install.py), then prints the check's
# table (check.py) and writes it to OUT_DIR/table.md (default
# work_dirs/gpu_check); OUT_DIR/wheels receives the mmcv wheel built here,
# which a later run on a machine like this one takes from CARRY/wheels
# instead of building. Training runs go to work_dirs/gpu_check/work.
set -euo pipefail
CARRY=${1:?usage: bash benchmarks/gpu/run.sh CARRY [OUT_DIR]}
OUT_DIR=${2:-work_dirs/gpu_check}
PYTHON=${PYTHON:-python3}
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
start=$(date +%s)
mkdir -p "$OUT_DIR"
"$PYTHON" benchmarks/gpu/install.py --carry "$CARRY" \
    --keep-wheels "$OUT_DIR/wheels"
"$PYTHON" benchmarks/gpu/check.py --data-root "$CARRY/data/kvasir2cvc" \
    --work-dir work_dirs/gpu_check/work --out "$OUT_DIR/table.md"
echo "[gpu-check] install and check: $(( $(date +%s) - start )) s"
