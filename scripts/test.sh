#!/usr/bin/env bash
# The test command: set up (scripts/setup.sh), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
export PORTER_REQUIRE_HIPCC=1   # the AMD compile gate must run, not skip
python -m pytest -q -n "${PORTER_TEST_JOBS:-2}" "$@"
