#!/usr/bin/env bash
# GPU evidence of `porter golden capture`: five hecbench-dev programs (scripts/capture_programs.toml:
# a time loop, __constant__ tables, managed memory, two streams) built with `nvcc -cudart shared`,
# captured into specs + goldens, validated, then checked with `porter check` on HIP and the tile
# backends. The programs come from .capture-src/ (run `python scripts/capture_sources.py` where
# ../shared exists, and carry .capture-src to the GPU machine). Needs nvcc, gcc, python3; what
# python lacks comes from .whl/, as scripts/gpu_llm_evidence.sh describes.
#
#     bash scripts/gpu_capture_evidence.sh OUT
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mkdir -p "${1:?usage: gpu_capture_evidence.sh OUT}" && cd "$1" && pwd)
export PATH="/usr/local/cuda/bin:$PATH" PYTHONUNBUFFERED=1
export LD_LIBRARY_PATH="/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"  # libcudart.so
arch=${PORTER_CAPTURE_ARCH:-sm_90}

evidence() {
[ -d .capture-src ] || { echo "no .capture-src/: run python scripts/capture_sources.py and carry it"; return 2; }
if ! python3 -c 'import tree_sitter, tree_sitter_cuda' 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --target /tmp/porter-site .whl/*.whl
    export PYTHONPATH="/tmp/porter-site${PYTHONPATH:+:$PYTHONPATH}"
fi
python3 -m pip install -q --no-index --no-deps --no-build-isolation -e . >/dev/null || { echo "porter could not be installed"; return 1; }
echo "== machine"; date -u +%Y-%m-%dT%H:%M:%SZ
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
nvcc --version | tail -n 1; git rev-parse HEAD
status=0
python3 - > "$out/programs.txt" <<'PY'
import tomllib
for p in tomllib.load(open("scripts/capture_programs.toml", "rb"))["program"]:
    kernels = " ".join(f"--kernel {k}" for k in p["kernels"])
    print(p["name"], p["launches"], p["every"], kernels.replace(" ", "|") or "-", *p["args"])
PY
while read -r name launches every kernels args; do
    echo "== $name"
    dir=.capture-src/$name
    make -C "$dir" -s ARCH="$arch" EXTRA_CFLAGS="-cudart shared" main > "$out/$name.build.txt" 2>&1 \
        || { echo "build failed (see $name.build.txt)"; tail -n 5 "$out/$name.build.txt"; status=1; continue; }
    ldd "$dir/main" | grep cudart
    # shellcheck disable=SC2086
    start=$SECONDS
    (set -f; cd "$dir" && porter golden capture --source . ${kernels//|/ } \
        --launches "$launches" --every "$every" --timeout 500 -o "$out/$name" -- ./main $args) || status=1
    echo "capture wall $((SECONDS - start)) s"
    du -sh "$out/$name/recorded" "$out/$name/kernels" 2>/dev/null
    porter golden validate "$out/$name/kernels" || status=1
    porter golden list "$out/$name/kernels"
    porter check "$out/$name/kernels" --backend hip --backend triton --backend pallas --backend nki \
        --json "$out/$name/check.json" || status=1
done < "$out/programs.txt"
echo "== summary (status per backend over every captured case)"
python3 - "$out" <<'PY'
import json, sys, collections, pathlib
for path in sorted(pathlib.Path(sys.argv[1]).glob("*/check.json")):
    data = json.loads(path.read_text())
    rows = data if isinstance(data, list) else data.get("records", data.get("results", []))
    count = collections.Counter((r.get("backend"), r.get("status")) for r in rows if isinstance(r, dict))
    print(path.parent.name, dict(sorted(count.items())))
PY
echo "== exit status $status"
return $status
}

evidence 2>&1 | tee "$out/log.txt"
exit "${PIPESTATUS[0]}"
