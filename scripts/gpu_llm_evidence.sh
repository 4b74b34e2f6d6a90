#!/usr/bin/env bash
# The GPU evidence of porter's LLM stage (benchmarks/llm_gpu_evidence.py): the suite's timing cheats
# rejected with real timing, legitimate rewrites timed against porter's port, one kept by the loop.
# On a GPU machine with python3, numpy, torch, triton (jax for the Pallas rewrites) and no package
# index: what it lacks comes from this checkout (.whl/: tree-sitter, tree-sitter-cuda, libclang;
# .deb/: bubblewrap, unpacked with dpkg -x). Everything it prints also goes to OUT/log.txt.
#
#     bash scripts/gpu_llm_evidence.sh OUT [options of llm_gpu_evidence.py]
#
# PORTER_SKIP_INSTALL=1 uses what is installed (no pip, no dpkg).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: gpu_llm_evidence.sh OUT [options]}
shift
mkdir -p "$out"

install_missing() {
site=${PORTER_SITE:-/tmp/porter-site}
if ! python3 -c 'import tree_sitter, tree_sitter_cuda, clang' 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --target "$site" .whl/*.whl
    export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
fi
python3 -m pip install -q --no-index --no-deps --no-build-isolation -e . >/dev/null || {
    echo "porter could not be installed"; return 1; }

if ! command -v bwrap >/dev/null; then
    deb=$(ls .deb/bubblewrap_*.deb 2>/dev/null | head -n 1)
    if [ -z "$deb" ]; then
        echo "no bwrap and no .deb/bubblewrap_*.deb: candidates will run unconfined"
    elif command -v dpkg >/dev/null; then
        dpkg -x "$deb" /
    else  # a .deb is an ar archive holding data.tar.*
        python3 - "$deb" <<'EOF'
import io, sys, tarfile
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"!<arch>\n"
at = 8
while at < len(data):
    name, size = data[at:at + 16].decode().strip().rstrip("/"), int(data[at + 48:at + 58])
    if name.startswith("data.tar"):
        tarfile.open(fileobj=io.BytesIO(data[at + 60:at + 60 + size])).extractall("/", filter="fully_trusted")
    at += 60 + size + (size & 1)
EOF
    fi
fi
}

evidence() {
[ -n "${PORTER_SKIP_INSTALL:-}" ] || install_missing || return 1
echo "== machine"
date -u +%Y-%m-%dT%H:%M:%SZ
uname -srm
id
(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 4
python3 -c 'import sys, numpy, torch, triton; print("python", sys.version.split()[0], sys.prefix, sys.base_prefix);
print("numpy", numpy.__version__, "torch", torch.__version__, "cuda", torch.version.cuda, "triton", triton.__version__,
      "gpu", torch.cuda.is_available() and torch.cuda.get_device_name(0))'
python3 -c 'import jax; print("jax", jax.__version__)' 2>&1 | tail -n 1
command -v nvcc gcc bwrap setpriv prlimit dpkg || true
bwrap --version 2>&1 | head -n 1
ldd "$(command -v bwrap)" 2>/dev/null | grep -i "not found" || true
ls -l /dev/nvidia* 2>&1 | head -n 12
ldconfig -p 2>/dev/null | grep -i libcuda || echo "ldconfig lists no libcuda"
echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
echo "== sandbox"
python3 -c 'from porter.llm.sandbox import probe, cuda_driver, _site_dirs, _interpreter
print(probe().describe()); print(cuda_driver().describe()); print("interpreter", _interpreter()); print("site", _site_dirs())'

echo "== evidence"
export PORTER_EVIDENCE_COMMAND="bash scripts/gpu_llm_evidence.sh $out${*:+ $*}"
python3 benchmarks/llm_gpu_evidence.py --out "$out" "$@"
status=$?
echo "== exit status $status"
return $status
}

evidence "$@" 2>&1 | tee -a "$out/log.txt"
exit "${PIPESTATUS[0]}"
