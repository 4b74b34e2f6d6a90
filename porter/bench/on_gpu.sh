#!/usr/bin/env bash
# `porter bench` on a GPU machine where porter is not installed (like golden/record_on_gpu.sh):
#     bash porter/bench/on_gpu.sh [options of porter bench]
#     bash porter/bench/on_gpu.sh --pytest          # the bench tests, GPU ones included
# Needs python3 (3.11+) with numpy, click and rich (matplotlib for the chart, torch for the matmul
# ceilings), nvcc and nvidia-smi. tree-sitter wheels are taken from .whl/ when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PYTHON=${PYTHON:-python3}
SITE=${PORTER_SITE:-/tmp/porter-bench-site}
if ! "$PYTHON" -c 'import tree_sitter, tree_sitter_cuda' 2>/dev/null; then
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl
    export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
fi
if [ "${1:-}" = "--pytest" ]; then
    shift
    exec "$PYTHON" -c 'import sys; sys.path.insert(0, "golden"); import run_porter; run_porter.load_porter()
import pytest; sys.exit(pytest.main(["-q", "-rs", "-p", "no:cacheprovider", "tests/bench", *sys.argv[1:]]))' "$@"
fi
exec "$PYTHON" golden/run_porter.py bench "$@"
