#!/usr/bin/env bash
# Record porter's golden outputs on a machine with an NVIDIA GPU and the CUDA toolkit.
#
# Run from the repository root (porter need not be installed; it runs from this checkout):
#     bash golden/record_on_gpu.sh                      # every case of golden/kernels
#     bash golden/record_on_gpu.sh --case 'n1000*'      # options of `porter golden record`
#     bash golden/record_on_gpu.sh --sanitize           # under compute-sanitizer (memcheck)
#
# Needs python3 (3.11+) with numpy, click and rich, nvcc and nvidia-smi. When tree-sitter or
# tree-sitter-cuda is missing, their wheels are taken from .whl/ in the repository root and
# installed into a scratch folder (golden/README.md says which wheels). Results go to
# golden/recorded/; the exit code is that of the recording (0: all recorded, 1: some failed,
# 2: bad spec, 3: no GPU / nvcc / packages).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
SITE=${PORTER_SITE:-/tmp/porter-golden-site}

if ! "$PYTHON" -c 'import tree_sitter, tree_sitter_cuda' 2>/dev/null; then
    if ! compgen -G ".whl/*.whl" >/dev/null; then
        echo "record_on_gpu.sh: tree_sitter / tree_sitter_cuda are not importable and .whl/ has no wheels" >&2
        exit 3
    fi
    echo "installing the wheels of .whl/ into $SITE" >&2
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl
    export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
fi

for module in numpy click rich tree_sitter tree_sitter_cuda; do
    if ! "$PYTHON" -c "import $module" 2>/dev/null; then
        echo "record_on_gpu.sh: python module '$module' is missing for $PYTHON" >&2
        exit 3
    fi
done

exec "$PYTHON" golden/run_porter.py golden record "$@"
