#!/usr/bin/env bash
# The GPU evidence this repository commits (golden/evidence/, benchmarks/results/), on a GPU
# machine with python3, numpy, torch, triton, jax (CUDA), nvcc and no package index: porter and
# the wheels it needs that such a machine lacks (.whl/: tree-sitter, tree-sitter-cuda, libclang)
# are installed from this checkout.
#
#     bash scripts/gpu_evidence.sh OUT check    # porter check, Triton and Pallas, on the GPU
#     bash scripts/gpu_evidence.sh OUT bench    # porter bench --scale, every backend
#     bash scripts/gpu_evidence.sh OUT tests    # the GPU tests (bench timers, check on the GPU)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: gpu_evidence.sh OUT check|bench|tests}
step=${2:?usage: gpu_evidence.sh OUT check|bench|tests}
mkdir -p "$out"
site=${PORTER_SITE:-/tmp/porter-site}
if ! python3 -c 'import tree_sitter, tree_sitter_cuda, clang' 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --target "$site" .whl/*.whl
    export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
fi
python3 -m pip install -q --no-index --no-deps --no-build-isolation -e . >/dev/null
case "$step" in
    check)
        python3 -m porter check --backend triton --backend pallas --build-dir /tmp/porter-check \
            --json "$out/check-triton-pallas.json" > "$out/check-triton-pallas.txt" || true
        tail -n 1 "$out/check-triton-pallas.txt" ;;
    bench)
        # every backend (cuda, hip, triton, pallas); each kernel's largest case grown to ~256 MB
        python3 -m porter bench --scale "${PORTER_BENCH_MB:-256}" --copies 2 --out "$out/bench" \
            > "$out/bench-log.txt" 2>&1 ;;
    tests)
        python3 -m pytest -q -rs -p no:cacheprovider tests/bench/test_gpu.py tests/check/test_check_gpu.py \
            > "$out/gpu-tests.txt" 2>&1 || true
        tail -n 3 "$out/gpu-tests.txt" ;;
    *) echo "unknown step: $step" >&2; exit 2 ;;
esac
