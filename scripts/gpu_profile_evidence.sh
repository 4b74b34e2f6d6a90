#!/usr/bin/env bash
# GPU evidence of `porter profile` and `porter trace`: a small transformer's training steps (torch
# ops, under torch.profiler) and a CUDA binary built from golden kernels (under Nsight Compute).
# On a GPU machine with python3, torch and nvcc/ncu; what it lacks comes from .whl/ (tree-sitter,
# tree-sitter-cuda, libclang wheels), as scripts/gpu_llm_evidence.sh describes.
#
#     bash scripts/gpu_profile_evidence.sh OUT
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: gpu_profile_evidence.sh OUT}
mkdir -p "$out"
export PATH="/usr/local/cuda/bin:$PATH" PYTHONUNBUFFERED=1

evidence() {
if ! python3 -c 'import tree_sitter, tree_sitter_cuda, clang' 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --target /tmp/porter-site .whl/*.whl
    export PYTHONPATH="/tmp/porter-site${PYTHONPATH:+:$PYTHONPATH}"
fi
python3 -m pip install -q --no-index --no-deps --no-build-isolation -e . >/dev/null || { echo "porter could not be installed"; return 1; }
echo "== machine"; date -u +%Y-%m-%dT%H:%M:%SZ
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
ncu --version | tail -n 1; nvcc --version | tail -n 1
git rev-parse HEAD; git status --porcelain --untracked-files=no | head -n 20
status=0
echo "== 1. a Python workload: tiny transformer, 3 training steps, under torch.profiler"
porter profile -o "$out/transformer.db" --trace "$out/transformer.trace.json" -- \
    python3 benchmarks/workloads/tiny_transformer.py --steps 3 || status=1
porter trace top "$out/transformer.db" --limit 15
porter trace verify "$out/transformer.db" --format json > "$out/transformer-verify.json" || status=1
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("verify:", r[-1], "| kernels over 1%:", [x["kernel"] for x in r if x["relative_difference"] is None or x["relative_difference"] > 0.01])' "$out/transformer-verify.json"
porter trace query "$out/transformer.db" "SELECT kind, COUNT(*), SUM(bytes), SUM(duration_ns) FROM memops GROUP BY kind"
porter trace query "$out/transformer.db" "SELECT COUNT(*) AS launches, COUNT(DISTINCT name) AS kernels, SUM(duration_ns)/1e3 AS total_us FROM kernels"
echo "== 2. a CUDA binary from golden kernels, under ncu"
nvcc -O2 -arch=sm_90 -I golden/kernels benchmarks/workloads/golden_app.cu -o /tmp/golden_app || status=1
porter profile -o "$out/golden_app.db" --trace "$out/golden_app.trace.json" -- /tmp/golden_app 1 || status=1
porter trace top "$out/golden_app.db"
porter trace verify "$out/golden_app.db" || status=1
porter trace roofline "$out/golden_app.db" --peak-tflops 67 --peak-tbps 3.35
porter trace plan "$out/golden_app.db" --source golden/kernels
porter trace plan "$out/golden_app.db" --source golden/kernels --format json > "$out/golden_app-plan.json" || status=1
echo "== 3. the transformer's kernels against the golden sources (none are the user's: listed last)"
porter trace plan "$out/transformer.db" --source golden/kernels --to triton --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r), "kernels;", sum(1 for x in r if x["defined_at"]), "defined in the sources")'
echo "== exit status $status"
return $status
}

evidence 2>&1 | tee "$out/log.txt"
exit "${PIPESTATUS[0]}"
