"""Fuzz every backend with token-level mutants of the golden kernels (:mod:`tests.fuzz.mutants`).

For each mutant and each backend (HIP, Triton, Pallas GPU, Pallas TPU, NKI), run in a worker
process with a time bound (:mod:`tests.fuzz.harness`):

* ``porter.translate`` raises nothing but :class:`porter.InputError` (no crash, no worker death);
* it answers within ``PORTER_FUZZ_TIMEOUT`` seconds per mutant (no hang);
* whatever a tile backend emits compiles and imports (with the real triton/jax imports);
* differential (:mod:`tests.fuzz.differential`, with :mod:`porter.reference` as the reference
  executor): a mutant whose port has no error diagnostic computes, for the spec's smallest case,
  what the CUDA mutant computes (within the spec's tolerances, as ``porter check`` compares), on
  the Triton CPU interpreter (at most ``PORTER_FUZZ_DIFFERENTIAL`` mutants, 15 by default),
  porter's NKI model (``PORTER_FUZZ_DIFFERENTIAL_NKI``, 10) and the Pallas interpreter on the CPU
  (``PORTER_FUZZ_DIFFERENTIAL_PALLAS`` per flavour, gpu and tpu, 2 each: jax is slow). Each
  backend takes the mutants it ported in campaign order (the golden kernels in turn), so the
  backends share the reference's g++ builds; mutants the reference cannot run or gives no one
  answer for (a read outside a buffer, a data race, an endless loop) are not counted.
  A mismatch fails with the backend, the mutant's diff and the worst element of each output.

CI runs 200 mutants with seed 0. A longer campaign::

    PORTER_FUZZ_MUTANTS=2000 PORTER_FUZZ_SEED=1 PORTER_FUZZ_DIFFERENTIAL=200 \\
        PORTER_FUZZ_DIFFERENTIAL_NKI=100 PORTER_FUZZ_DIFFERENTIAL_PALLAS=20 \\
        python -m pytest -q -p no:xdist tests/fuzz/test_backends_fuzz.py -s

``-s`` prints the tally (outcomes per backend) that the test also asserts on.
"""

from __future__ import annotations

import collections
import importlib.util
import os

import pytest

from tests.fuzz.differential import (RUNNERS, compare_with_reference, mismatch_report, mutant_diff,
                                     reference_executor)
from tests.fuzz.harness import BACKENDS, BROKEN, CRASH, HANG, OK, REFUSED, Harness
from tests.fuzz.mutants import generate, golden_sources

MUTANTS = int(os.environ.get("PORTER_FUZZ_MUTANTS", "200"))
SEED = int(os.environ.get("PORTER_FUZZ_SEED", "0"))
TIMEOUT = float(os.environ.get("PORTER_FUZZ_TIMEOUT", "60"))
DIFFERENTIAL = int(os.environ.get("PORTER_FUZZ_DIFFERENTIAL", "15"))
DIFFERENTIAL_NKI = int(os.environ.get("PORTER_FUZZ_DIFFERENTIAL_NKI", "10"))
DIFFERENTIAL_PALLAS = int(os.environ.get("PORTER_FUZZ_DIFFERENTIAL_PALLAS", "2"))
#: backend -> how many mutants its differential step compares
DIFFERENTIAL_RUNS = {"triton": DIFFERENTIAL, "nki": DIFFERENTIAL_NKI, "pallas-gpu": DIFFERENTIAL_PALLAS,
                     "pallas-tpu": DIFFERENTIAL_PALLAS}


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


@pytest.mark.parametrize("backend", sorted(DIFFERENTIAL_RUNS))
def test_ports_without_errors_agree_with_the_cuda_mutant(campaign, backend):
    budget = DIFFERENTIAL_RUNS[backend]
    if reference_executor() is None:
        pytest.skip("no reference executor (porter.reference) to compare ports with")
    if budget <= 0 or importlib.util.find_spec(RUNNERS[backend].framework) is None:
        pytest.skip(f"no differential runs for {backend} (budget {budget}, or {RUNNERS[backend].framework} missing)")
    eligible = [(m, o) for m, outs in campaign for o in outs if o.backend == backend and o.status == OK and o.code]
    sources = golden_sources()
    mismatches, rejected, unrunnable, compared = [], [], 0, 0
    for mutant, outcome in eligible:
        if compared >= budget:
            break
        verdict = compare_with_reference(mutant.text, mutant.base, outcome.code, backend)
        if verdict is None:
            unrunnable += 1
            continue
        if verdict.rejected:
            rejected.append(f"{mutant.name}: {verdict.detail}")
            continue
        compared += 1
        if not verdict.ok:
            mismatches.append(mismatch_report(backend, mutant.name, verdict,
                                              mutant_diff(sources[mutant.base], mutant.text, mutant.base)))
    print(f"\ndifferential {backend}: {compared} mutants compared, {len(mismatches)} mismatches, "
          f"{unrunnable} with no semantics to compare; {len(rejected)} ported mutants g++ rejects:",
          *rejected, sep="\n  ")
    assert not mismatches, "the port disagrees with the CUDA mutant:\n" + "\n".join(mismatches)
    assert compared > 0, f"no mutant's {backend} port could be compared ({len(eligible)} eligible)"
