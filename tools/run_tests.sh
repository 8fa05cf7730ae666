#!/usr/bin/env bash
# Install, then run the test suite (CPU only). Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/python_env.sh"
cd "$SRT_ROOT"
bash tools/install.sh
"$PYTHON" -m pytest tests "$@"
