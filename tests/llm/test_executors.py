"""Candidates of every target through the same pipeline: Pallas (the Pallas interpreter), NKI
(porter's NKI model) and HIP (the AMD compile gate; a run needs an NVIDIA GPU), each in porter's
sandbox.

porter's own deterministic ports of saxpy and softmax_rows go through the whole harness and are
accepted; the same port with one operator flipped is rejected by "golden"; HIP candidates are
gated by hipcc and, on a machine without an NVIDIA GPU, never accepted. The Pallas harnesses use a
smaller trial set (the Pallas interpreter compiles every distinct shape, seconds each, and
emulates every masked load over the whole array); Pallas softmax_rows (about a minute on a loaded
2-core machine) runs only with PORTER_TEST_EXECUTORS_ALL=1. Set PORTER_TEST_HIP_BUILD=1 to also build the HIP launcher with nvcc in the sandbox (about 15 s;
the run then fails for want of a GPU, which the test expects).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import porter
from porter.golden import corpus_dir, load_spec
from porter.golden.resolve import resolve_case
from porter.golden.store import default_store, load
from porter.llm import sandbox
from porter.llm.executor import Trial
from porter.llm.executors import EXECUTORS, executor_for
from porter.llm.harness import Harness, HarnessError, stub_kernels

needs_sandbox = pytest.mark.skipif(not sandbox.probe().ok, reason="bubblewrap cannot make a sandbox here")
pytestmark = needs_sandbox

#: (target, kernel) -> (the text of porter's port, the operator flipped in it)
FLIPS = {
    ("pallas", "saxpy"): ("((a * _ld(x_ref", "((a - _ld(x_ref"),
    ("pallas", "softmax_rows"): ("(local_sum + jnp.exp(", "(local_sum - jnp.exp("),
    ("nki", "saxpy"): ("data2=_t3, op=nl.add)", "data2=_t3, op=nl.subtract)"),
    ("nki", "softmax_rows"): ("data1=_t10, data2=row_max, op=nl.subtract)", "data1=_t10, data2=row_max, op=nl.add)"),
}
#: The Pallas interpreter costs seconds per distinct shape (a jax compilation each) in every run.
PALLAS_OPTIONS = {"large_budget": 4096, "seeds": (), "heavy_tailed": False}
SLOW = {("pallas", "softmax_rows")}
ALL = os.environ.get("PORTER_TEST_EXECUTORS_ALL") == "1"
CHECKOUT = Path(porter.__file__).resolve().parents[1]


def spec_of(kernel: str):
    return load_spec(corpus_dir() / f"{kernel}.toml")


_ports: dict = {}


def port_of(target: str, kernel: str) -> str:
    if (target, kernel) not in _ports:
        result = porter.translate(corpus_dir() / f"{kernel}.cu", target)
        assert result.ok, [str(d) for d in result.errors]
        _ports[target, kernel] = result.code
    return _ports[target, kernel]


def golden_trial(spec):
    """The first recorded golden of ``spec`` as a one-trial list, and its outputs."""
    case = spec.cases[0]
    golden = load(default_store(spec.path), spec.name, case.name)
    return [Trial(f"golden {case.name}", "golden", resolve_case(spec, case), golden.inputs)], golden.outputs


@pytest.fixture(scope="module")
def executors():
    made = {}

    def get(target: str, **options):
        if target not in made:
            made[target] = executor_for(target, **options)
        return made[target]

    yield get
    for running in made.values():
        running.close()


@pytest.fixture(scope="module")
def harnesses(executors):
    made: dict = {}

    def get(target: str, kernel: str) -> Harness:
        if (target, kernel) not in made:
            options = PALLAS_OPTIONS if target == "pallas" else {}
            harness = Harness(spec_of(kernel), executors(target), port_of(target, kernel), secret=19, **options)
            harness.prepare()  # the port matches the recorded goldens on this executor
            made[target, kernel] = harness
        return made[target, kernel]

    return get


def test_executor_for_each_target(tmp_path):
    assert set(EXECUTORS) == {"triton", "pallas", "nki", "hip"}
    for target in ("pallas", "nki", "hip"):
        with executor_for(target, spec=spec_of("saxpy"), workdir=tmp_path / target) as running:
            assert running.target == target
            assert not running.can_time  # no GPU here: nothing is timed
    with executor_for("hip", spec=spec_of("saxpy"), workdir=tmp_path / "hip2") as hip:
        assert hip.spec.name == "saxpy"  # the launcher needs the spec; the others never see it
    executor_for("triton", spec=spec_of("saxpy"), interpret=True).close()  # Triton takes no spec
    with pytest.raises(ValueError, match="no executor for 'cuda'"):
        executor_for("cuda")


@pytest.mark.parametrize("target,kernel", [pytest.param(*key, marks=pytest.mark.skipif(
    key in SLOW and not ALL, reason="about a minute: set PORTER_TEST_EXECUTORS_ALL=1")) for key in sorted(FLIPS)])
def test_port_accepted_and_flipped_operator_rejected(harnesses, target, kernel):
    harness = harnesses(target, kernel)
    port = port_of(target, kernel)
    report = harness.evaluate(port, "port")
    assert report.accepted, (report.rejected_by, report.reason)
    checks = [c.check for c in report.checks]
    assert checks[-1] == "timing-floor" and {"golden", "noop", "inputs", "poison-rerun"} <= set(checks)
    assert report.seconds is None  # the interpreter and the model are not devices
    before, after = FLIPS[target, kernel]
    assert port.count(before) == 1
    wrong = harness.evaluate(port.replace(before, after), "flipped")
    assert not wrong.accepted and wrong.rejected_by == "golden", (wrong.rejected_by, wrong.reason)


@pytest.mark.parametrize("target", ["pallas", "nki"])
def test_sandbox_shows_no_checkout(harnesses, executors, target):
    """Outside the static guard: the job sees neither porter's checkout nor porter beyond the NKI model."""
    harness = harnesses(target, "saxpy")
    probe = f"""
import os
import numpy as np
SEEN = [os.path.exists({str(CHECKOUT / 'README.md')!r}), os.path.exists({str(CHECKOUT / 'golden')!r})]
try:
    import porter.check
    SEEN.append(True)
except ImportError:
    SEEN.append(False)
def saxpy(n, a, x, y, grid, block, shared_bytes=0):
    return {{3: np.asarray([float(s) for s in SEEN] + [0.0] * (y.shape[0] - len(SEEN)), dtype=np.float32)}}
KERNELS = {{"saxpy": saxpy}}
"""
    assert os.path.exists(CHECKOUT / "README.md")
    result = executors(target).run(probe, harness.trials[:1])
    assert result.ok, result.error
    assert result.outputs[0]["y"][:3].tolist() == [0.0, 0.0, 0.0]


def test_array_launcher_results_are_checked(harnesses, executors):
    """A launcher that returns something else than {buffer parameter: array of the buffer's size}
    fails the run with the reason; the pipeline does not crash."""
    trials = harnesses("nki", "saxpy").trials[:1]
    for body, reason in (("return {1: x}", "not a buffer parameter"), ("return [y]", "not a dict"),
                         ("return {3: y[:7]}", "7 element(s)"), ("return {3: y.astype(np.complex64)}", "complex64")):
        code = f"import numpy as np\ndef saxpy(n, a, x, y, grid, block, shared_bytes=0):\n    {body}\nKERNELS = {{'saxpy': saxpy}}\n"
        result = executors("nki").run(code, trials)
        assert result.stage == "run" and reason in result.error, (body, result.error)


def test_stub_kernels_per_target():
    pallas = stub_kernels(port_of("pallas", "saxpy"), "pallas")
    assert pallas is not None and "_ld(x_ref" not in pallas and "pl.pallas_call(_kernel" in pallas
    handed = "def body(x_ref, o_ref):\n    o_ref[...] = x_ref[...] * 2\n\ndef f(x):\n    return pl.pallas_call(functools.partial(body), out_shape=x)(x)\n"
    assert "* 2" not in stub_kernels(handed, "pallas")
    nki = stub_kernels(port_of("nki", "saxpy"), "nki")
    assert nki is not None and "nisa.tensor_tensor(dst=_t4" not in nki and "def _gather(" in nki
    hip = port_of("hip", "softmax_rows")
    stubbed = stub_kernels(hip, "hip")
    assert "int cols) {}" in stubbed and "expf" not in stubbed and "__device__ float block_reduce" in stubbed
    tricky = ('// a { in a comment\ntemplate <int B> __global__ void __launch_bounds__(256) k(const char* s = "}", '
              "int c = '{') { if (c) { s++; } }\n__global__ void decl(int);\n__device__ int keep() { return 1; }\n")
    assert stub_kernels(tricky, "hip") == tricky.replace("{ if (c) { s++; } }", "{}")
    assert stub_kernels("__device__ int f() { return 1; }", "hip") is None


def test_hip_gate_then_unavailable_without_gpu(executors):
    spec = spec_of("saxpy")
    hip = executors("hip", spec=spec)
    trials, golden = golden_trial(spec)
    port = port_of("hip", "saxpy")
    result = hip.run(port, trials)
    if hip.can_run:  # an NVIDIA GPU: the port runs and matches the golden
        assert result.ok, result.error
        np.testing.assert_allclose(result.outputs[0]["y"], golden["y"], rtol=1e-5, atol=1e-5)
    else:
        assert not result.ok and result.stage == "unavailable"
        assert "needs an NVIDIA GPU" in result.error
        with pytest.raises(HarnessError, match="NVIDIA GPU"):  # nothing ran, so nothing can be accepted
            Harness(spec, hip, port, secret=19).prepare()
    broken = hip.run(port.replace("y[i] = a * x[i] + y[i];", "y[i] = a * x[i] + undeclared;"), trials)
    assert broken.stage == "compile" and "undeclared" in broken.error
    leak = hip.run('#include "/etc/shadow"\n' + port, trials)  # the preprocessor sees only the sandbox
    assert leak.stage == "compile" and "file not found" in leak.error


@pytest.mark.skipif(os.environ.get("PORTER_TEST_HIP_BUILD") != "1" or shutil.which("nvcc") is None,
                    reason="set PORTER_TEST_HIP_BUILD=1 (needs nvcc)")
def test_hip_launcher_builds_in_the_sandbox(tmp_path):
    from porter.golden.toolchain import Gpu, find_nvcc
    from porter.llm.hip_executor import HipExecutor

    spec = spec_of("saxpy")
    with HipExecutor(spec=spec, gpu=Gpu("none", "0", "9.0"), nvcc=str(find_nvcc().nvcc), workdir=tmp_path) as hip:
        trials, _ = golden_trial(spec)
        result = hip.run(port_of("hip", "saxpy"), trials)
    assert result.stage == "run" and "launcher:" in result.error  # built; no GPU to run on
