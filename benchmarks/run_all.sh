#!/usr/bin/env bash
# Every CPU benchmark twice: quiet (nothing else started) and beside a
# competing single-thread job that the benchmark starts itself (--load),
# one torch thread each (--threads 1), printed in order:
#   bash benchmarks/run_all.sh [OUT_LOG]
# Needs data/kvasir2cvc and the ImageNet MobileNetV2 (tools/prepare_kvasir2cvc.sh)
# for the Kvasir config, data/camvid_day2dusk (tools/prepare_camvid.sh) for
# the presets' comparison; EndoSynth is generated on first use.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python}
OUT_LOG=${1:-work_dirs/benchmarks.log}
mkdir -p "$(dirname "$OUT_LOG")"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
run() {
    echo "### $*"
    "$PYTHON" "$@" 2>&1 | grep -v -i -e "warn" -e "^USDT:"
    echo
}
{
    echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc --all) CPUs"
    for load in "" "--load"; do
        run benchmarks/bench_srt_iteration.py --config configs/srt_endosynth.py $load --profile
        run benchmarks/bench_srt_iteration.py $load
        run benchmarks/bench_inference.py $load
        run benchmarks/bench_pseudo_labels.py $load
        # the stabilised preset: EMA teacher (its forward and update in the step)
        run benchmarks/bench_srt_iteration.py --config configs/endosynth/srt-plus_deeplabv3-r18tiny_1.5k.py $load
        run benchmarks/bench_memory.py $load
        run benchmarks/bench_memory.py --config configs/srt_endosynth.py $load
        # ST-Mix (ClassMix, EMA teacher) and the preset, ST-Mix + RCS, against
        # BL+AL: step time, peak memory, dataloader build
        run benchmarks/bench_presets.py configs/camvid_day2dusk/bl-al_deeplabv3-mnv2-os16_2k.py \
            configs/camvid_day2dusk/st-mix_deeplabv3-mnv2-os16_2k.py \
            configs/camvid_day2dusk/st-mix-rcs_deeplabv3-mnv2-os16_2k.py $load
    done
} | tee "$OUT_LOG"
