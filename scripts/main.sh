#!/usr/bin/env bash
# The main job: set up, port the bundled examples to every backend porter has, and check them.
# Backends today: HIP, for a 64-lane (gfx90a) and a 32-lane (gfx1100) AMD GPU, checked by the AMD
# compile gate (hipcc, no GPU needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
out="${1:-out}"
porter doctor
for arch in gfx90a gfx1100; do
  porter port examples --to hip --out "$out/hip-$arch" --hip-version 5.2 --offload-arch "$arch" --force
  python -m porter.backends.hip.gate "$out/hip-$arch" --arch "$arch"
done
# Golden parity for every backend porter can check (on this machine: what `porter doctor` lists).
porter check --format table --json "$out/porter-check.json"
