"""The Triton backend's checks for one golden kernel.

* compile cuda sm90 / compile hip gfx942: every emitted kernel goes through
  ``triton.compile(ASTSource(fn, signature, constexprs), target=GPUTarget(...))`` for NVIDIA
  (sm_90, 32 lanes) and AMD (gfx942, 64 lanes): the static gate, no GPU needed;
* run interpreter: the port runs on the CPU with ``TRITON_INTERPRET=1`` on the golden inputs (one
  subprocess per kernel, so the variable is set before triton is imported) and is compared with
  the golden outputs;
* run <GPU>: the same on a CUDA GPU with the real compiler, when torch sees one.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from porter.check.machine import Machine
from porter.check.workers import call_worker, describe_error, first_error, load_module, judge_worker_outputs
from porter.check.records import FAIL, PASS, UNAVAILABLE, UNSUPPORTED, CheckRecord
from porter.golden.model import KernelSpec
from porter.golden import program
from porter.golden.resolve import resolve_case

#: sm_count for a grid of ``sm_count`` when the golden does not say what it was recorded with
DEFAULT_SM_COUNT = 4

GATE_TARGETS = (("compile cuda sm90", ("cuda", 90, 32)), ("compile hip gfx942", ("hip", "gfx942", 64)))


class TritonChecker:
    name = "triton"

    def __init__(self, machine: Machine, edit_port=None, gpu: bool | None = None):
        self.machine = machine
        self.edit_port = edit_port  # tests only: change the port before it runs
        self.gpu = gpu

    def check_kernel(self, spec: KernelSpec, cases: list) -> list[CheckRecord]:
        if importlib.util.find_spec("triton") is None:
            return [CheckRecord(f"{spec.name}/{case.name}", self.name, check, UNAVAILABLE,
                                "triton is not installed (pip install triton)")
                    for check in [g[0] for g in GATE_TARGETS] + ["run interpreter"] for case, _ in cases]
        instances = spec.instances
        port = self.machine.translate(spec.source, "triton", instantiate=instances)
        if port.errors:
            detail = first_error(port)
            return [CheckRecord(f"{spec.name}/{case.name}", self.name, check, UNSUPPORTED, detail)
                    for check in [g[0] for g in GATE_TARGETS] + ["run interpreter"] for case, _ in cases]
        code = self.edit_port(port.code) if self.edit_port else port.code
        folder = self.machine.build_dir / "triton" / spec.name
        folder.mkdir(parents=True, exist_ok=True)
        module = folder / f"{spec.name}_triton.py"
        module.write_text(code)
        resolved = [program.bind_device(resolve_case(spec, case), golden.provenance.get("sm_count", DEFAULT_SM_COUNT))
                    for case, golden in cases]
        gate_launches = sorted({(l.kernel, l.block, l.shared_bytes) for l in resolved[0].launches})
        job = {"module": str(module), "gate": gate_launches, "cases": [], "spec": str(spec.path)}
        for (case, golden), res in zip(cases, resolved):
            inputs = folder / f"{case.name}.inputs.npz"
            np.savez(inputs, **golden.inputs)
            job["cases"].append({"name": case.name, "inputs": str(inputs), "out": str(folder / f"{case.name}.out.npz"),
                                 "launches": [[l.kernel, list(l.grid), list(l.block), l.shared_bytes, list(l.args)]
                                              for l in res.launches],
                                 "scalars": dict(res.scalars), "ops": _ops(res)})
        records = self._gate(spec, cases, job)
        if spec.symbols:  # the program writes __constant__ memory, which the port does not have
            return records + [CheckRecord(f"{spec.name}/{case.name}", self.name, "run interpreter", UNSUPPORTED,
                                          f"the program writes __constant__ {', '.join(spec.symbols)} "
                                          "(cudaMemcpyToSymbol); the Triton runner has no constant memory")
                              for case, _ in cases]
        records += self._run(spec, cases, job, interpret=True)
        if self._has_gpu():
            records += self._run(spec, cases, job, interpret=False)
        return records

    def _has_gpu(self) -> bool:
        if self.gpu is not None:
            return self.gpu
        return self.machine.gpu is not None

    def _gate(self, spec, cases, job) -> list[CheckRecord]:
        result, detail = _worker_call({**job, "mode": "gate"}, interpret=False)
        records = []
        for label, _ in GATE_TARGETS:
            status, why = (result or {}).get(label, (FAIL, detail or "the compile gate produced no result"))
            records += [CheckRecord(f"{spec.name}/{case.name}", self.name, label, status, why) for case, _ in cases]
        return records

    def _run(self, spec, cases, job, interpret: bool) -> list[CheckRecord]:
        label = "run interpreter" if interpret else "run GPU"
        started = time.perf_counter()
        result, detail = _worker_call({**job, "mode": "run", "device": "cpu" if interpret else "cuda"}, interpret)
        seconds = round(time.perf_counter() - started, 3)
        return judge_worker_outputs(spec, cases, job["cases"], result, detail, self.name, label, seconds)


def _ops(case) -> list | None:
    """The program's operations for the worker (None: the launches in order, format 1's)."""
    if program.is_plain(case):
        return None
    return [[op.op, op.launch, op.buffer, op.source, op.symbol, op.value] for op in program.operations(case)]


def _worker_call(job: dict, interpret: bool) -> tuple[dict | None, str]:
    env = dict(os.environ)
    env.pop("TRITON_INTERPRET", None)
    if interpret:
        env["TRITON_INTERPRET"] = "1"
    return call_worker("porter.check.triton", job, env)


# ------------------------------------------------------------------------- the worker process
def _gate_worker(job: dict) -> dict:
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource
    module = load_module(job["module"])
    out = {}
    for label, target in GATE_TARGETS:
        status, why = PASS, "compiles"
        for kernel, block, shared_bytes in job["gate"]:
            fn, signature = module.GATE[kernel]
            sig, constexprs = signature(tuple(block), shared_bytes)
            try:
                # every warp count the launcher may pick (older modules: the one it always picks)
                choices = getattr(module, "_warp_choices", None)
                for warps in choices(constexprs["LANES"], target[2]) if choices else [module._warps(constexprs["LANES"])]:
                    triton.compile(ASTSource(fn, sig, constexprs), target=GPUTarget(*target),
                                   options={"num_warps": warps})
            except Exception as error:  # noqa: BLE001 -- any compiler failure is the check's result
                status, why = FAIL, f"{kernel}: {describe_error(error, tail=400)}"
                break
        out[label] = (status, why)
    return out


def _to_torch(array: np.ndarray, dtype: str, device: str):
    import torch
    if dtype == "bfloat16":
        return torch.from_numpy(array.view(np.int16).copy()).view(torch.bfloat16).to(device)
    return torch.from_numpy(array.copy()).to(device)


def _from_torch(tensor, dtype: str) -> np.ndarray:
    import torch
    tensor = tensor.cpu()
    if dtype == "bfloat16":
        return tensor.view(torch.int16).numpy().view(np.uint16)
    return tensor.numpy()


def _run_worker(job: dict) -> dict:
    import torch

    from porter.golden.spec import load_spec
    spec = load_spec(Path(job["spec"]))
    device = job["device"]
    module = load_module(job["module"])
    dtypes = {b.name: b.dtype for b in spec.buffers}
    label = "run interpreter" if device == "cpu" else f"run {torch.cuda.get_device_name()}"
    out = {}
    for case in job["cases"]:
        try:
            with np.load(case["inputs"]) as data:
                tensors = {name: _to_torch(data[name], dtypes[name], device) for name in data.files}
            def launch(kernel, grid, block, shared_bytes, args):
                values = [tensors[a] if a in tensors else case["scalars"][a] for a in args]
                module.KERNELS[kernel](*values, grid=tuple(grid), block=tuple(block), shared_bytes=shared_bytes)

            if case.get("ops") is None:
                for entry in case["launches"]:
                    launch(*entry)
            else:
                _run_ops(case, tensors, launch)
            if device != "cpu":
                torch.cuda.synchronize()
            outputs = {b.name: _from_torch(tensors[b.name], b.dtype) for b in spec.buffers if b.is_output}
            np.savez(case["out"], **outputs)
            out[case["name"]] = {"label": label}
        except Exception as error:  # noqa: BLE001 -- reported as the case's failure
            out[case["name"]] = {"error": describe_error(error, tail=600)}
    return out


def _run_ops(case: dict, tensors: dict, launch) -> None:
    """The program's operations (see porter.golden.program): launches, memsets, device copies and
    swaps; a __constant__ symbol write has no Triton counterpart yet and fails the case."""
    import torch
    for op, index, buffer, source, symbol, value in case["ops"]:
        if op == "launch":
            launch(*case["launches"][index])
        elif op == "memset":
            tensors[buffer].view(torch.uint8).fill_(value)
        elif op == "memcpy":
            tensors[buffer].view(torch.uint8).copy_(tensors[source].view(torch.uint8))
        elif op == "swap":
            tensors[buffer], tensors[source] = tensors[source], tensors[buffer]
        else:
            raise NotImplementedError(f"unsupported: the Triton checker cannot write the __constant__ symbol "
                                      f"{symbol!r} (cudaMemcpyToSymbol); porter's Triton port has no constant memory")


def main(argv: list[str]) -> None:
    job = json.loads(Path(argv[0]).read_text())
    result = _gate_worker(job) if job["mode"] == "gate" else _run_worker(job)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
