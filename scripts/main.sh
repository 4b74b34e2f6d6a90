#!/usr/bin/env bash
# The main job: set up, port the bundled examples to every backend porter has, and check them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
out="${1:-out}"
porter doctor
porter port examples --to hip --out "$out/hip" --hip-version 5.2 --offload-arch gfx90a --force
python -m porter.backends.hip.gate "$out/hip" --arch gfx90a --arch gfx1100
