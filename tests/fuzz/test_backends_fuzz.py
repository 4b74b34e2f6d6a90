"""Fuzz every backend with token-level mutants of the golden kernels (:mod:`tests.fuzz.mutants`).

For each mutant and each backend (HIP, Triton, Pallas GPU, Pallas TPU, NKI), run in a worker
process with a time bound (:mod:`tests.fuzz.harness`):

* ``porter.translate`` raises nothing but :class:`porter.InputError` (no crash, no worker death);
* it answers within ``PORTER_FUZZ_TIMEOUT`` seconds per mutant (no hang);
* whatever a tile backend emits compiles and imports (with the real triton/jax imports);
* differential (:mod:`tests.fuzz.differential`, with :mod:`porter.reference` as the
  reference executor): a mutant whose Triton port has no error diagnostic computes, on the Triton
  CPU interpreter, what the CUDA mutant computes, for the spec's smallest case (at most
  ``PORTER_FUZZ_DIFFERENTIAL`` mutants, 15 by default).

CI runs 200 mutants with seed 0. A longer campaign::

    PORTER_FUZZ_MUTANTS=2000 PORTER_FUZZ_SEED=1 PORTER_FUZZ_DIFFERENTIAL=200 \\
        python -m pytest -q -p no:xdist tests/fuzz/test_backends_fuzz.py -s

``-s`` prints the tally (outcomes per backend) that the test also asserts on.
"""

from __future__ import annotations

import collections
import os

import pytest

from tests.fuzz.differential import compare_with_reference, reference_executor
from tests.fuzz.harness import BACKENDS, BROKEN, CRASH, HANG, OK, REFUSED, Harness
from tests.fuzz.mutants import generate

MUTANTS = int(os.environ.get("PORTER_FUZZ_MUTANTS", "200"))
SEED = int(os.environ.get("PORTER_FUZZ_SEED", "0"))
TIMEOUT = float(os.environ.get("PORTER_FUZZ_TIMEOUT", "60"))
DIFFERENTIAL = int(os.environ.get("PORTER_FUZZ_DIFFERENTIAL", "15"))


@pytest.fixture(scope="module")
def campaign():
    """(mutant, outcomes) of every mutant, run once for the module's tests."""
    mutants = generate(MUTANTS, SEED)
    with Harness(TIMEOUT) as harness:
        # the first mutant also pays for the worker's start and its triton/jax imports
        runs = [(m, harness.run(m.text, m.file_name, TIMEOUT * (3 if i == 0 else 1))) for i, m in enumerate(mutants)]
    tally = collections.Counter((o.backend, o.status + ("/syntax" if o.syntax else "")) for _, outs in runs for o in outs)
    print(f"\n{len(runs)} mutants (seed {SEED}):")
    for label, _, _ in BACKENDS:
        print(f"  {label:11s}", {status: n for (backend, status), n in sorted(tally.items()) if backend == label})
    return runs


def _findings(runs, statuses) -> list[str]:
    return [f"{m.name} [{o.backend}] {o.status}: {o.detail[-800:]}" for m, outs in runs for o in outs
            if o.status in statuses]


def test_mutants_are_generated_deterministically():
    first, again = generate(20, SEED), generate(20, SEED)
    assert [m.text for m in first] == [m.text for m in again]
    assert len({m.text for m in first}) == 20
    assert len({m.kind for m in generate(50, SEED)}) == 5


def test_no_backend_crashes_or_hangs(campaign):
    assert _findings(campaign, {CRASH, HANG}) == []


def test_every_emitted_tile_module_compiles_and_imports(campaign):
    assert _findings(campaign, {BROKEN}) == []


def test_the_campaign_exercises_both_refusals_and_ports(campaign):
    statuses = collections.Counter(o.status for _, outs in campaign for o in outs if o.backend == "triton")
    assert statuses[REFUSED] > 0 and statuses[OK] > 0
    assert any(o.syntax for _, outs in campaign for o in outs)


def test_ports_without_errors_agree_with_the_cuda_mutant(campaign):
    if reference_executor() is None:
        pytest.skip("no reference executor (porter.reference) to compare ports with")
    mismatches, rejected, compared = [], [], 0
    for mutant, outcomes in campaign:
        triton = next(o for o in outcomes if o.backend == "triton")
        if compared >= DIFFERENTIAL or triton.status != OK or not triton.code:
            continue
        verdict = compare_with_reference(mutant.text, mutant.base, triton.code)
        if verdict is None:
            continue
        if verdict.rejected:
            rejected.append(f"{mutant.name}: {verdict.detail}")
            continue
        compared += 1
        if not verdict.ok:
            mismatches.append(f"{mutant.name}: {verdict.detail}")
    print(f"\ndifferential: {compared} mutants compared, {len(mismatches)} mismatches; "
          f"{len(rejected)} ported mutants g++ rejects:", *rejected, sep="\n  ")
    assert mismatches == []
