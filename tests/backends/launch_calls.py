"""The launcher convention exercised the same way on every tile backend (Triton, Pallas, NKI).

Importable from a child process (the Triton interpreter needs ``TRITON_INTERPRET=1`` before triton
is imported): :func:`main` runs one backend's port of a source file and prints a JSON report.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

#: a kernel with dynamic shared memory (extern __shared__): its launch needs shared_bytes=
DYNAMIC_SHARED = """
__global__ void flip(const float* x, float* y) {
    extern __shared__ float s[];
    s[threadIdx.x] = x[blockIdx.x * blockDim.x + threadIdx.x];
    __syncthreads();
    y[blockIdx.x * blockDim.x + threadIdx.x] = s[blockDim.x - 1 - threadIdx.x];
}
"""


def load_port(path: str, backend: str):
    """The port module at ``path``, ready to run on the CPU (Pallas interpreter, porter's NKI model)."""
    if backend == "nki":
        from porter.backends.nki.model import install_model

        install_model(force=True)
    spec = importlib.util.spec_from_file_location(f"port_{backend}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if backend == "pallas":
        module.INTERPRET = True
    return module


def golden_case(name: str, case: str):
    """(spec, resolved case, golden) of a recorded case of porter's golden corpus."""
    from porter.golden import corpus_dir, default_store, load, load_spec, resolve_case

    spec = load_spec(corpus_dir() / f"{name}.toml")
    chosen = next(c for c in spec.cases if c.name == case)
    resolved = resolve_case(spec, chosen)
    return spec, resolved, load(default_store(spec.path), spec.name, chosen.name, resolved)


def same_call(module, name: str, case: str, native=lambda a: a) -> dict:
    """Run a golden case's launches with the CUDA-style call on the numpy buffers (``native`` gives
    the backend's view of one: a torch tensor sharing its memory for Triton); report whether every
    written buffer came back as the array passed and how the numpy buffers compare."""
    from porter.check.compare import compare_outputs

    spec, resolved, golden = golden_case(name, case)
    arrays = {k: v.copy() for k, v in golden.inputs.items()}
    views = {k: native(v) for k, v in arrays.items()}
    returned_own, scalars = True, dict(resolved.scalars)
    for launch in resolved.launches:
        args = [views[a] if a in views else scalars[a] for a in launch.args]
        written = module.KERNELS[launch.kernel](*args, grid=tuple(launch.grid), block=tuple(launch.block),
                                                shared_bytes=launch.shared_bytes)
        returned_own &= bool(written) and all(array is args[k] for k, array in written.items())
    outputs = {b.name: arrays[b.name] for b in spec.buffers if b.is_output}
    comparison = compare_outputs(spec, golden.outputs, outputs)
    return {"returned_own": returned_own, "ok": comparison.ok, "detail": str(comparison)}


def _error(call) -> str:
    try:
        call()
    except (TypeError, ValueError) as error:
        return f"{type(error).__name__}: {error}"
    return "no error"


def refusals(module, native, other_device) -> dict:
    """What the saxpy launcher says to each kind of wrong call; ``native`` turns a numpy array into
    the backend's own array type, ``other_device`` into one the backend cannot take."""
    saxpy = module.KERNELS["saxpy"]
    x = np.arange(300, dtype=np.float32)
    y = np.ones(300, dtype=np.float32)
    launch = dict(grid=(2, 1, 1), block=(256, 1, 1))
    return {
        "missing": _error(lambda: saxpy(300, 2.0, native(x), **launch)),
        "extra": _error(lambda: saxpy(300, 2.0, native(x), native(y), native(y), **launch)),
        "float64": _error(lambda: saxpy(300, 2.0, native(x.astype(np.float64)), native(y), **launch)),
        "numpy float64": _error(lambda: saxpy(300, 2.0, x.astype(np.float64), y, **launch)),
        "device": _error(lambda: saxpy(300, 2.0, native(x), other_device(y), **launch)),
        "list": _error(lambda: saxpy(300, 2.0, list(x), native(y), **launch)),
        "scalar": _error(lambda: saxpy(300.5, 2.0, native(x), native(y), **launch)),
        "grid": _error(lambda: saxpy(300, 2.0, native(x), native(y), grid=(0, 1, 1), block=(256, 1, 1))),
        "stream": _error(lambda: saxpy(300, 2.0, native(x), native(y), stream=object(), **launch)),
        "read-only": _error(lambda: saxpy(300, 2.0, x, np.broadcast_to(y, (300,)), **launch)),
        "numpy float32": _error(lambda: saxpy(300, 2.0, x, y, **launch)),
    }


def shared_bytes_calls(module, native=lambda a: a) -> dict:
    """The dynamic-shared-memory kernel without and with shared_bytes=."""
    x = np.arange(64, dtype=np.float32)
    y = np.zeros(64, dtype=np.float32)
    launch = dict(grid=(2, 1, 1), block=(32, 1, 1))
    missing = _error(lambda: module.KERNELS["flip"](native(x), native(y), **launch))
    module.KERNELS["flip"](native(x), native(y), shared_bytes=32 * 4, **launch)
    expected = x.reshape(2, 32)[:, ::-1].reshape(-1)
    return {"missing": missing, "ok": bool(np.array_equal(y, expected))}


def main(argv: list[str]) -> None:
    """``python -m tests.backends.launch_calls SAXPY_PORT REDUCE_PORT FLIP_PORT``: the Triton ports' JSON report
    (run with TRITON_INTERPRET=1: tensors on the CPU; the other device is torch's "meta")."""
    import torch

    saxpy_port, reduce_port, flip_port = argv
    native = torch.from_numpy  # shares the numpy buffer's memory: results land in it
    report = {
        "saxpy": same_call(load_port(saxpy_port, "triton"), "saxpy", "n1000", native),
        "reduce": same_call(load_port(reduce_port, "triton"), "reduce_shared", "n5000", native),
        "refusals": refusals(load_port(saxpy_port, "triton"), native, lambda a: torch.from_numpy(a).to("meta")),
        "shared": shared_bytes_calls(load_port(flip_port, "triton"), native),
    }
    report["first on meta"] = _error(lambda: load_port(saxpy_port, "triton").KERNELS["saxpy"](
        1, 2.0, torch.zeros(1, device="meta"), torch.zeros(1), grid=1, block=1))
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
