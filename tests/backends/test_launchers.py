"""One launcher convention for the Triton, Pallas and NKI ports (README "Calling a port").

The same CUDA-style call (the kernel's parameters in order, then grid=, block=, shared_bytes=) on
the same numpy buffers (for Triton through torch.from_numpy, which shares their memory) runs saxpy
and the two-launch shared-memory reduction on all three backends, writes the results into the
caller's arrays, returns those arrays, and matches the recorded goldens; wrong calls are refused
before anything runs, with the documented TypeError/ValueError naming the kernel and the
parameter. Triton runs in its CPU interpreter (a child process: TRITON_INTERPRET must be set
before triton is imported), Pallas in interpret mode, NKI under porter's model.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import porter
from porter.golden import corpus_dir
from tests.backends import launch_calls as calls

#: each refusal: the exception and words its message must hold, per backend where they differ
COMMON = {
    "missing": ("TypeError", "missing 1 required positional argument: 'y'"),
    "extra": ("TypeError", "takes 4 positional arguments but 5"),
    "float64": ("TypeError", "saxpy: parameter x (float*) takes float32 elements; got a"),
    "list": ("TypeError", "saxpy: parameter x (float*) takes a"),
    "scalar": ("TypeError", "saxpy: parameter n (int) takes an integer; got 300.5"),
    "grid": ("ValueError", "saxpy: grid=(0, 1, 1): every dimension must be at least 1"),
}
#: numpy buffers: Pallas and NKI take them (written in place); a Triton port takes torch tensors
NUMPY = {
    "numpy float64": ("TypeError", "saxpy: parameter x (float*) takes float32 elements; got a numpy array of float64"),
    "read-only": ("ValueError", "saxpy: parameter y (float*) is written by the kernel; the numpy array is read-only"),
}
TRITON_NUMPY = ("TypeError", "saxpy: parameter x (float*) takes a torch tensor; got a numpy array of float")
DEVICE = {
    "triton": ("ValueError", "saxpy: parameter y (float*) is on meta, an earlier pointer argument on cpu"),
    "pallas": ("TypeError", "saxpy: parameter y (float*) takes a jax or numpy array; got a torch tensor of float32"),
    "nki": ("TypeError", "saxpy: parameter y (float*) takes a numpy array (an NKI port runs on the host"),
}
STREAM = {
    "triton": ("ValueError", "saxpy: a Triton launch runs on torch's current stream"),
    "pallas": ("ValueError", "saxpy: a Pallas launch runs where jax runs it; stream= takes only None"),
    "nki": ("ValueError", "saxpy: an NKI launch runs on the host"),
}
SHARED = ("ValueError", "flip: the kernel uses extern __shared__ float s[] (dynamic shared memory) and "
          "shared_bytes=0 holds no float")


def _ports(tmp_path: Path, backend: str) -> tuple[str, str, str]:
    corpus = corpus_dir()
    made = []
    for name, source, options in (("saxpy", corpus / "saxpy.cu", {}),
                                  ("reduce_shared", corpus / "reduce_shared.cu", {"instantiate": ("reduce_sum<256>",)}),
                                  ("flip", calls.DYNAMIC_SHARED, {"name": "flip.cu"})):
        result = porter.translate(source, backend, **options)
        assert not result.errors, result.errors
        path = tmp_path / f"{name}_{backend}.py"
        path.write_text(result.code)
        made.append(str(path))
    return tuple(made)


def _report(tmp_path: Path, backend: str) -> dict:
    saxpy, reduce, flip = _ports(tmp_path, backend)
    if backend == "triton":
        pytest.importorskip("triton")
        pytest.importorskip("torch")
        done = subprocess.run([sys.executable, "-m", "tests.backends.launch_calls", saxpy, reduce, flip],
                              capture_output=True, text=True, cwd=calls.ROOT,
                              env={**os.environ, "TRITON_INTERPRET": "1"}, timeout=600, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])
    if backend == "pallas":
        jnp = pytest.importorskip("jax.numpy")
        torch = pytest.importorskip("torch")
        native, other = jnp.asarray, torch.from_numpy
    else:
        torch = pytest.importorskip("torch")
        native, other = (lambda a: a), torch.from_numpy
    from porter.backends.nki.model import model_installed

    # Pallas as porter check runs it, with 64-bit types (else jax makes a float64 array float32)
    with model_installed(force=True) if backend == "nki" else pytest.importorskip("jax").enable_x64(True):
        return {"saxpy": calls.same_call(calls.load_port(saxpy, backend), "saxpy", "n1000"),
                "reduce": calls.same_call(calls.load_port(reduce, backend), "reduce_shared", "n5000"),
                "refusals": calls.refusals(calls.load_port(saxpy, backend), native, other),
                "shared": calls.shared_bytes_calls(calls.load_port(flip, backend))}


@pytest.fixture(scope="module", params=["triton", "pallas", "nki"])
def report(request, tmp_path_factory):
    return request.param, _report(tmp_path_factory.mktemp(request.param), request.param)


def test_the_same_call_writes_in_place_and_matches_the_goldens(report):
    backend, found = report
    for kernel in ("saxpy", "reduce"):
        assert found[kernel]["ok"], (backend, kernel, found[kernel]["detail"])
        assert found[kernel]["returned_own"], (backend, kernel, "the launcher returned arrays not the caller's")


@pytest.mark.parametrize("label", sorted(COMMON) + sorted(NUMPY) + ["numpy float32", "device", "stream"])
def test_wrong_calls_are_refused_with_the_documented_error(report, label):
    backend, found = report
    if label == "numpy float32":  # the right buffer, as numpy
        if backend != "triton":
            assert found["refusals"][label] == "no error"
            return
        kind, words = TRITON_NUMPY
    elif label in NUMPY:
        kind, words = TRITON_NUMPY if backend == "triton" else NUMPY[label]
    else:
        kind, words = COMMON.get(label) or {"device": DEVICE, "stream": STREAM}[label][backend]
    said = found["refusals"][label]
    assert said.startswith(kind + ": "), (backend, label, said)
    assert words in said, (backend, label, said)


def test_dynamic_shared_memory_needs_shared_bytes(report):
    backend, found = report
    kind, words = SHARED
    assert found["shared"]["missing"].startswith(kind + ": ") and words in found["shared"]["missing"], found["shared"]
    assert found["shared"]["ok"], (backend, "flip with shared_bytes= did not reverse each block")


def test_refusals_come_before_anything_runs(tmp_path):
    """A refused call leaves the caller's buffers as they were (NKI: the cheapest backend to run)."""
    saxpy, _, _ = _ports(tmp_path, "nki")
    from porter.backends.nki.model import model_installed

    with model_installed(force=True):
        module = calls.load_port(saxpy, "nki")
        x, y = np.arange(8, dtype=np.float32), np.ones(8, dtype=np.float32)
        with pytest.raises(TypeError, match="parameter a"):
            module.KERNELS["saxpy"](8, "2", x, y, grid=1, block=8)
        assert (y == 1).all()


def test_triton_refuses_a_device_its_interpreter_cannot_run(report):
    backend, found = report
    if backend != "triton":
        pytest.skip("Triton's device rule")
    assert found["first on meta"].startswith("ValueError: saxpy: the pointer arguments are on meta; Triton's "
                                             "interpreter takes tensors on cpu or cuda"), found["first on meta"]


def test_a_compiled_triton_launch_refuses_cpu_tensors_before_compiling(tmp_path):
    """Without TRITON_INTERPRET the port compiles for a GPU: CPU tensors are refused up front, before
    Triton compiles or touches a driver."""
    pytest.importorskip("triton")
    saxpy, _, _ = _ports(tmp_path, "triton")
    script = (f"import numpy as np, torch\nfrom tests.backends.launch_calls import load_port, _error\n"
              f"f = load_port({saxpy!r}, 'triton').KERNELS['saxpy']\n"
              "print(_error(lambda: f(8, 2.0, torch.zeros(8), torch.zeros(8), grid=1, block=8)))\n")
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=calls.ROOT, env=env,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().startswith("ValueError: saxpy: the pointer arguments are on cpu; compiled Triton "
                                          "kernels run on a GPU"), done.stdout
