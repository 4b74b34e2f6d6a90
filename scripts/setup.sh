#!/usr/bin/env bash
# Set up everything porter's main job and tests need on a fresh Debian 12 machine (run as root,
# or with hipcc already installed). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v hipcc >/dev/null 2>&1; then
  echo "setup: installing hipcc (Debian's HIP 5.2) for the AMD compile gate" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq hipcc libamdhip64-dev >/dev/null
fi
# The HIP libraries Debian 12 packages (hipRAND, rocRAND, hipSPARSE, rocPRIM) for the compile gate.
if [ ! -f /usr/include/hiprand/hiprand.h ] || [ ! -f /usr/include/hipsparse/hipsparse.h ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libhiprand-dev librocrand-dev libhipsparse-dev librocprim-dev >/dev/null
fi
# bubblewrap: the sandbox every LLM-written candidate runs in (porter optimize refuses without it).
if ! command -v bwrap >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
# The CPU build of torch (it carries the CUDA->HIP rename tables). Pinning the version that these
# machines keep on disk avoids pulling several GB of CUDA packages.
python -m pip install -q "torch==2.13.0"
python -m pip install -q -e ".[hip,ir,llm,triton,pallas,bench,agent,test]"
