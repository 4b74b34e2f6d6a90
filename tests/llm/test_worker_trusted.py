"""The trusted side of a run: what the worker reports about a candidate that shares its process.

Small candidate modules (saxpy and vector_add launchers) each try one thing, and the run's report
must name it: rebinding what the worker measures with (``tampering``), computing the answer with
torch in the launcher whatever the spelling (``host_compute``), writing past a buffer
(``guard_violations``), behaving differently after the checked run (``tampering``); porter's own
Triton ports report nothing; the CPU interpreter's program order is the trial's.

Most runs use the fork server (the same worker code, a fresh forked process per run, fast); the
tests marked ``sandbox`` run in bubblewrap as ``porter optimize`` does, and are skipped where no
sandbox can be made. Every golden kernel's port, run with empty reports in the interpreter, is
the campaign behind ``PORTER_WORKER_ALL_PORTS=1`` (minutes).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("triton")
pytest.importorskip("torch")

import porter
from porter.llm import sandbox
from porter.llm.executor import Trial, TritonExecutor, write_job

from porter.golden import corpus_dir, load_spec
from porter.golden.inputs import make_inputs
from porter.golden.model import CaseSpec
from porter.golden.resolve import resolve_case

SAXPY = '''
import triton
import triton.language as tl
{head}

@triton.jit
def saxpy_kernel(n, a, x_ptr, y_ptr, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    tl.store(y_ptr + offsets, a * tl.load(x_ptr + offsets, mask=mask) + tl.load(y_ptr + offsets, mask=mask), mask=mask)


@triton.jit
def copy_kernel(src, dst, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    tl.store(dst + offsets, tl.load(src + offsets, mask=mask), mask=mask)


def saxpy(n, a, x, y, *, grid, block, shared_bytes=0):
{body}


KERNELS = {{"saxpy": saxpy}}
'''
HONEST = "    saxpy_kernel[(triton.cdiv(n, 256),)](n, a, x, y, BLOCK=256)"


def saxpy(body: str = HONEST, head: str = "") -> str:
    return SAXPY.format(head=head, body=body)


def case_trial(kernel: str, case: int = 0, order: str = "forward") -> Trial:
    spec = load_spec(corpus_dir() / f"{kernel}.toml")
    resolved = resolve_case(spec, spec.cases[case])
    return Trial(f"{kernel} {order}", "seed", resolved, make_inputs(resolved), order=order)


@pytest.fixture(scope="module")
def forked(tmp_path_factory):
    with TritonExecutor(interpret=True, timeout=60, unconfined=True, workdir=tmp_path_factory.mktemp("forked")) as ex:
        yield ex


@pytest.fixture(scope="module")
def confined(tmp_path_factory):
    status = sandbox.probe()
    if not status.ok:
        pytest.skip(f"no candidate sandbox here: {status.describe()}")
    with TritonExecutor(interpret=True, timeout=60, workdir=tmp_path_factory.mktemp("confined")) as ex:
        assert ex.confined
        yield ex


@pytest.fixture(scope="module")
def saxpy_trial():
    return case_trial("saxpy", 1)  # n1000: four programs, the last one partly masked


def expected_saxpy(trial: Trial) -> np.ndarray:
    x, y = trial.inputs["x"], trial.inputs["y"]
    return (np.float32(2.5) * x + y).astype(np.float32)


# -- tampering ------------------------------------------------------------------------------------
REBINDINGS = {
    "torch.cuda.synchronize": ("import torch\ntorch.cuda.synchronize = lambda *a, **k: None", "torch.cuda.synchronize"),
    "time.perf_counter": ("import time\ntime.perf_counter = lambda: 0.0", "time.perf_counter"),
    "numpy.savez": ("import numpy\n_real = numpy.savez\nnumpy.savez = lambda *a, **k: _real(*a, **k)", "numpy.savez"),
    "Tensor.copy_": ("import torch\n_c = torch.Tensor.copy_\ntorch.Tensor.copy_ = lambda s, o, *a: _c(s, o, *a)",
                     "torch.Tensor.copy_"),
    "worker global": ("import sys\nfor _m in list(sys.modules.values()):\n    if hasattr(_m, '_trusted'):\n"
                      "        _m._describe = lambda error: 'nothing to see'", "the worker's global _describe"),
    "builtins.len": ("import builtins\n_len = builtins.len\nbuiltins.len = lambda o: _len(o)", "builtins.len"),
}


@pytest.mark.parametrize("what", REBINDINGS)
def test_rebinding_what_the_worker_uses_is_tampering(forked, saxpy_trial, what):
    head, says = REBINDINGS[what]
    result = forked.run(saxpy(head=head), [saxpy_trial])
    assert result.ok  # the run itself completes: the report is what rejects it
    assert any(t.startswith(says) and "rebound" in t for t in result.tampering), result.tampering
    assert result.host_compute == [] and result.guard_violations == []


def test_an_honest_candidate_reports_nothing(forked, saxpy_trial):
    result = forked.run(saxpy(), [saxpy_trial])
    assert result.ok and (result.tampering, result.host_compute, result.guard_violations) == ([], [], [])
    np.testing.assert_array_equal(result.outputs[0]["y"], expected_saxpy(saxpy_trial))


def test_outputs_that_change_after_the_checked_run_are_tampering(forked, saxpy_trial):
    """Right on the first call (the one checked), a no-op on every later one (the timed ones)."""
    body = "    calls = saxpy.__dict__.setdefault('calls', [])\n    calls.append(1)\n    if len(calls) == 1:\n    " + HONEST
    result = forked.run(saxpy(body=body), [saxpy_trial])
    np.testing.assert_array_equal(result.outputs[0]["y"], expected_saxpy(saxpy_trial))  # the checked run passes
    assert result.tampering == ["outputs y changed between the checked run and the timed runs (a fresh run of the "
                                "first trial after them)"]


def test_removing_the_guard_during_a_launch_is_tampering(forked, saxpy_trial):
    body = "    import torch\n    while torch._C._len_torch_dispatch_stack():\n" \
           "        torch._C._pop_torch_dispatch_stack(None)\n    y.add_(x, alpha=a)"
    result = forked.run(saxpy(body=body), [saxpy_trial])
    assert "the host-compute guard was removed during the launch of saxpy" in result.tampering


def test_results_the_candidate_writes_itself_are_not_trusted(forked, saxpy_trial):
    """The candidate writes result.json as the worker would, then exits before the worker can."""
    head = ("import json, os\nopen(os.path.join(os.path.dirname(__file__), 'result.json'), 'w').write(json.dumps("
            "{'ok': True, 'stage': 'done', 'error': '', 'seconds': 1e-9, 'trials': 0}))\nos._exit(0)")
    result = forked.run(saxpy(head=head), [saxpy_trial])
    assert not result.ok and "not signed by the worker" in result.error
    assert result.tampering and result.seconds is None


# -- host compute ---------------------------------------------------------------------------------
COPY = "    copy_kernel[(triton.cdiv(n, 256),)]({src}, y, n, BLOCK=256)"
HOST = {
    "copy_ of an expression": ("    y.copy_(x * a + y)", "aten::mul.Tensor"),
    "in-place add": ("    y.add_(x, alpha=a)", "aten::add_.Tensor"),
    "out= argument": ("    import torch\n    torch.add(y, x, alpha=a, out=y)", "aten::add.out"),
    "dunder operator": ("    t = y + x.__mul__(a)\n" + COPY.format(src="t"), "aten::mul.Tensor"),
    "setitem": ("    y[:] = y + a * x", "aten::copy_"),
    "through numpy": ("    t = y.numpy()\n    t += a * x.numpy()", "Tensor.numpy()"),
    "reading a value": ("    if float(x[0]) > 1e30:\n        return\n" + HONEST, "aten::_local_scalar_dense"),
    "clone": ("    t = y.clone()\n    saxpy_kernel[(triton.cdiv(n, 256),)](n, a, x, t, BLOCK=256)\n"
              + COPY.format(src="t"), "aten::clone"),
}


@pytest.mark.parametrize("spelling", HOST)
def test_host_compute_is_reported_whatever_the_spelling(forked, saxpy_trial, spelling):
    body, says = HOST[spelling]
    result = forked.run(saxpy(body=body), [saxpy_trial])
    assert result.ok, result.error
    assert any(h.startswith(says) and h.endswith("during launch of saxpy") for h in result.host_compute), \
        result.host_compute
    assert result.tampering == [] and result.guard_violations == []


def test_torch_inside_an_interpreted_kernel_body_is_host_compute(forked, saxpy_trial):
    """Under the interpreter a kernel body is Python: torch on tensors it reaches is still seen."""
    head = "import torch\nSTASH = []"
    code = saxpy(head=head, body="    STASH[:] = [x, y]\n" + HONEST).replace(
        "    offsets = tl.program_id(0) * BLOCK", "    STASH[1].add_(STASH[0])\n    offsets = tl.program_id(0) * BLOCK", 1)
    result = forked.run(code, [saxpy_trial])
    assert any(h.startswith("aten::add_.Tensor") for h in result.host_compute), (result.error, result.host_compute)


# -- guard zones ----------------------------------------------------------------------------------
OUT_OF_BOUNDS = {  # how the saxpy kernel's mask line is changed, and what must be reported
    "one past the end": ("    mask = offsets < n + 1\n", "buffer y: 1 element(s) written past its end"),
    "before the start": ("    offsets = tl.where(offsets == 0, -3, offsets)\n    mask = offsets < n\n",
                         "buffer y: 1 element(s) written before its start"),
}


@pytest.mark.parametrize("where", OUT_OF_BOUNDS)
def test_writes_out_of_bounds_land_in_a_guard_zone(forked, saxpy_trial, where):
    line, says = OUT_OF_BOUNDS[where]
    code = saxpy().replace("    mask = offsets < n\n    tl.store(y_ptr", line + "    tl.store(y_ptr", 1)
    result = forked.run(code, [saxpy_trial])
    assert result.ok, result.error
    assert result.guard_violations == [f"trial 'saxpy forward': {says}"]


def test_a_write_a_quarter_of_the_buffer_past_its_end_lands_in_the_guard_zone(forked):
    """A tile run past the last rows of a 2-D buffer writes up to a block's rows past its end: far
    more than one element, and more than a tenth of the buffer when the rows are few."""
    spec = load_spec(corpus_dir() / "saxpy.toml")
    case = resolve_case(spec, CaseSpec("large", (("n", 20_000),), 0))
    trial = Trial("saxpy large", "seed", case, make_inputs(case))
    far = ("    mask = offsets < n\n    tl.store(y_ptr + n + n // 4 + tl.arange(0, BLOCK) % 8, "
           "tl.zeros([BLOCK], tl.float32) + 12345.0, mask=tl.arange(0, BLOCK) < 8)\n")
    code = saxpy().replace("    mask = offsets < n\n    tl.store(y_ptr", far + "    tl.store(y_ptr", 1)
    result = forked.run(code, [trial])
    assert result.guard_violations == ["trial 'saxpy large': buffer y: 8 element(s) written past its end"], \
        (result.error, result.guard_violations)


# -- program order --------------------------------------------------------------------------------
RACY = '''
import triton
import triton.language as tl


@triton.jit
def add_kernel(a_ptr, b_ptr, c_ptr, n, BLOCK: tl.constexpr):
    # program i starts from the last element program i - 1 wrote: right only if it ran first
    pid = tl.program_id(0)
    offsets = pid * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    carry = tl.load(c_ptr + pid * BLOCK - 1, mask=pid > 0, other=0.0) * 0.0
    tl.store(c_ptr + offsets, tl.load(a_ptr + offsets, mask=mask) + tl.load(b_ptr + offsets, mask=mask) + carry,
             mask=mask)


def vector_add(a, b, c, n, *, grid, block, shared_bytes=0):
    add_kernel[(triton.cdiv(n, 128),)](a, b, c, n, BLOCK=128)


KERNELS = {"vector_add": vector_add}
'''


def test_the_interpreter_runs_programs_in_the_trials_order(forked):
    """A race between programs (program i reads what program i - 1 wrote; 0 * NaN poison is NaN)
    is right in forward order and wrong reversed or shuffled."""
    trials = [case_trial("vector_add", 1, order) for order in ("forward", "reverse", "shuffle:7")]
    result = forked.run(RACY, trials)
    assert result.ok, result.error
    want = trials[0].inputs["a"] + trials[0].inputs["b"]
    forward, reverse, shuffled = (out["c"] for out in result.outputs)
    np.testing.assert_array_equal(forward, want)
    assert np.isnan(reverse).any() and np.isnan(shuffled).any()
    assert not np.isnan(forward).any()


def test_an_unknown_order_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown program order"):
        write_job(tmp_path, "", [case_trial("vector_add", 1, "sideways")], device="cpu", time_it=False)


# -- porter's own ports ---------------------------------------------------------------------------
@pytest.mark.parametrize("kernel, case", [("saxpy", 1), ("softmax_rows", 2), ("reduce_atomic", 1)])
def test_porters_ports_report_nothing_in_any_order(forked, kernel, case):
    code = porter.translate(corpus_dir() / f"{kernel}.cu", "triton").code
    trials = [case_trial(kernel, case, order) for order in ("forward", "reverse", "shuffle:3")]
    result = forked.run(code, trials)
    assert result.ok, result.error
    assert (result.host_compute, result.guard_violations, result.tampering) == ([], [], [])
    for out in result.outputs[1:]:  # the ports' own programs do not race
        for name, value in out.items():
            np.testing.assert_allclose(value, result.outputs[0][name], rtol=1e-6)


def test_in_the_sandbox_the_same_reports(confined, saxpy_trial):
    """The sandboxed worker (a fresh interpreter, the worker as __main__) reports as the forked one."""
    port = porter.translate(corpus_dir() / "softmax_rows.cu", "triton").code
    clean = confined.run(port, [case_trial("softmax_rows", 2)])
    assert clean.ok and (clean.host_compute, clean.guard_violations, clean.tampering) == ([], [], []), clean
    cheat = saxpy(head="import time\ntime.perf_counter = lambda: 0.0\n" + REBINDINGS["worker global"][0],
                  body="    y.add_(x, alpha=0.0)\n" + HONEST)  # all three at once: rebinding, host compute, a write past y
    cheat = cheat.replace("    mask = offsets < n\n    tl.store(y_ptr", OUT_OF_BOUNDS["one past the end"][0] + "    tl.store(y_ptr")
    result = confined.run(cheat, [saxpy_trial])
    assert result.ok, result.error
    assert "time.perf_counter was rebound by the candidate" in result.tampering
    assert "the worker's global _describe was rebound by the candidate" in result.tampering
    assert result.host_compute == ["aten::add_.Tensor during launch of saxpy"]
    assert result.guard_violations == ["trial 'saxpy forward': buffer y: 1 element(s) written past its end"]


@pytest.mark.skipif(not os.environ.get("PORTER_WORKER_ALL_PORTS"), reason="set PORTER_WORKER_ALL_PORTS=1 (minutes)")
def test_every_golden_kernels_port_reports_nothing(forked):
    dirty = {}
    for path in sorted(corpus_dir().glob("*.cu")):
        code = porter.translate(path, "triton").code
        result = forked.run(code, [case_trial(path.stem, 0, "reverse")])
        if not result.ok or result.host_compute or result.guard_violations or result.tampering:
            dirty[path.stem] = (result.error, result.host_compute, result.guard_violations, result.tampering)
    assert dirty == {}
