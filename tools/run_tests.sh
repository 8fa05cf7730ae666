#!/usr/bin/env bash
# Install, then run the test suite (CPU only). Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
cd "$SRT_ROOT"
bash tools/install.sh
# SRT_TEST_WORKERS pytest-xdist workers (default 2, one per core of the
# 2-core reference machine), each test file on one worker, one torch thread
# each; 0: one process, torch's own threads.
WORKERS=${SRT_TEST_WORKERS:-2}
if [ "$WORKERS" != 0 ]; then
    export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
    set -- -n "$WORKERS" --dist loadfile "$@"
fi
"$PYTHON" -m pytest tests "$@"
