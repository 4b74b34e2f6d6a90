#!/usr/bin/env bash
# The main job: set up, port the bundled example kernels (the golden corpus, golden/kernels) to
# every backend porter has, and check every backend's ports against the goldens recorded from
# real CUDA runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
out="${1:-out}"
porter doctor
# HIP, for a 64-lane (gfx90a) and a 32-lane (gfx1100) AMD GPU, through the AMD compile gate.
for arch in gfx90a gfx1100; do
  porter port golden/kernels --to hip --out "$out/hip-$arch" --hip-version 5.2 --offload-arch "$arch" --force
  python -m porter.backends.hip.gate "$out/hip-$arch" --arch "$arch"
done
# The tile backends (kernels a target cannot express carry diagnostics naming the construct).
porter port golden/kernels --to triton --out "$out/triton" --force
porter port golden/kernels --to pallas --out "$out/pallas-gpu" --force
porter port golden/kernels --to pallas --flavor tpu --out "$out/pallas-tpu" --force
porter port golden/kernels --to nki --out "$out/nki" --force
# Golden parity for every backend porter can check on this machine (porter doctor says which).
porter check --format junit -o "$out/porter-check.xml" --json "$out/porter-check.json"
