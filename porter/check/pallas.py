"""The Pallas backend's checks for one golden kernel, for both flavours.

* run interpreter (gpu) / run TPU interpreter (tpu): the port runs on the CPU on the golden inputs
  with ``INTERPRET = True`` (GPU flavour) or ``pltpu.InterpretParams(detect_races=True)`` (TPU
  flavour) and is compared with the golden outputs (porter.check.compare);
* lower cuda (gpu) / lower tpu (tpu): the real lowering of every launch on the CPU through
  ``jax.export.export(jax.jit(f), platforms=[...])`` (the Triton lowering for "cuda", Mosaic for
  "tpu"); the custom-call compatibility check is disabled, and its "no compatibility guarantees"
  error, if it still comes, also means the lowering succeeded;
* run <GPU> (gpu flavour): the real run, when ``jax.devices("gpu")`` finds one.

Each job runs in a subprocess (``python -m porter.check.pallas JOB``) with jax_enable_x64 on, so
64-bit kernels keep their types. Works with jax 0.10.2 and 0.11.2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from porter.check.machine import Machine
from porter.check.workers import call_worker, describe_error, first_error, load_module, judge_worker_outputs
from porter.check.records import FAIL, PASS, UNSUPPORTED, CheckRecord
from porter.golden.model import KernelSpec
from porter.golden.resolve import resolve_case

LABELS = {"gpu": ("run interpreter", "lower cuda"), "tpu": ("run TPU interpreter", "lower tpu")}


class PallasChecker:
    name = "pallas"

    def __init__(self, machine: Machine, flavors: tuple[str, ...] = ("gpu", "tpu"), edit_port=None,
                 lower: bool = True):
        self.machine = machine
        self.flavors = flavors
        self.edit_port = edit_port  # tests only: change the port before it runs
        self.lower = lower

    def check_kernel(self, spec: KernelSpec, cases: list) -> list[CheckRecord]:
        from porter.golden.program import runner_gap
        gap = runner_gap(spec, "Pallas")
        if gap:
            return [CheckRecord(f"{spec.name}/{case.name}", self.name, f"run {flavor}", UNSUPPORTED, gap)
                    for flavor in self.flavors for case, _ in cases]
        records: list[CheckRecord] = []
        for flavor in self.flavors:
            records += self._flavor(spec, cases, flavor)
        return records

    def _flavor(self, spec, cases, flavor: str) -> list[CheckRecord]:
        backend = f"{self.name}-{flavor}"
        labels = LABELS[flavor] if self.lower else LABELS[flavor][:1]
        instances = tuple(sorted({launch.kernel for launch in spec.launches if "<" in launch.kernel}))
        port = self.machine.translate(spec.source, "pallas", flavor=flavor, instantiate=instances)
        if port.errors:
            detail = first_error(port)
            return [CheckRecord(f"{spec.name}/{case.name}", backend, check, UNSUPPORTED, detail)
                    for check in labels for case, _ in cases]
        code = self.edit_port(port.code) if self.edit_port else port.code
        folder = self.machine.build_dir / "pallas" / flavor / spec.name
        folder.mkdir(parents=True, exist_ok=True)
        module = folder / f"{spec.name}_pallas_{flavor}.py"
        module.write_text(code)
        job = {"module": str(module), "spec": str(spec.path), "flavor": flavor, "cases": []}
        for case, golden in cases:
            res = resolve_case(spec, case)
            inputs = folder / f"{case.name}.inputs.npz"
            np.savez(inputs, **golden.inputs)
            job["cases"].append({"name": case.name, "inputs": str(inputs), "out": str(folder / f"{case.name}.out.npz"),
                                 "launches": [[l.kernel, list(l.grid), list(l.block), l.shared_bytes, list(l.args)]
                                              for l in res.launches],
                                 "scalars": dict(res.scalars)})
        records = self._run(spec, cases, job, backend, labels[0], "interpret")
        if self.lower:
            result, detail = _worker_call({**job, "mode": "lower"})
            status, why = (result or {}).get("lower", (FAIL, detail or "the lowering produced no result"))
            records += [CheckRecord(f"{spec.name}/{case.name}", backend, labels[1], status, why) for case, _ in cases]
        if flavor == "gpu" and _jax_gpu():
            records += self._run(spec, cases, job, backend, "run GPU", "gpu")
        return records

    def _run(self, spec, cases, job, backend: str, label: str, mode: str) -> list[CheckRecord]:
        started = time.perf_counter()
        result, detail = _worker_call({**job, "mode": mode})
        seconds = round(time.perf_counter() - started, 3)
        return judge_worker_outputs(spec, cases, job["cases"], result, detail, backend, label, seconds)


def _jax_gpu() -> bool:
    """Whether jax here sees a GPU (asked in a subprocess: importing jax here would pin its platform)."""
    code = "import jax\ntry:\n    print(len(jax.devices('gpu')))\nexcept Exception:\n    print(0)"
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
        return done.stdout.strip().endswith(tuple("123456789"))
    except (subprocess.TimeoutExpired, OSError):
        return False


def _worker_call(job: dict) -> tuple[dict | None, str]:
    # Several checks run at once: no jax process may take most of the GPU's memory up front.
    env = {**os.environ, "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
    if job["mode"] == "lower" and job["flavor"] == "gpu" and _has_cuda_gpu():
        pass  # jax 0.11 lowers for cuda only with a GPU device (or an abstract one) in sight
    elif job["mode"] != "gpu":
        env["JAX_PLATFORMS"] = "cpu"
    return call_worker("porter.check.pallas", job, env)


# ------------------------------------------------------------------------- the worker process
def _to_jax(array: np.ndarray, dtype: str):
    import jax.numpy as jnp
    if dtype == "bfloat16":
        return jnp.asarray(array.view(np.uint16)).view(jnp.bfloat16)
    return jnp.asarray(array)


def _from_jax(array, dtype: str) -> np.ndarray:
    import jax.numpy as jnp
    if dtype == "bfloat16":
        return np.asarray(jnp.asarray(array).view(jnp.uint16))
    return np.asarray(array)


def _interpret_value(flavor: str):
    if flavor == "gpu":
        return True
    from jax.experimental.pallas import tpu as pltpu
    return pltpu.InterpretParams(detect_races=True)


def _run_worker(job: dict) -> dict:
    import jax

    from porter.golden.spec import load_spec
    spec = load_spec(Path(job["spec"]))
    module = load_module(job["module"])
    gpu = job["mode"] == "gpu"
    module.INTERPRET = False if gpu else _interpret_value(job["flavor"])
    label = f"run {jax.devices('gpu')[0].device_kind}" if gpu else None
    dtypes = {b.name: b.dtype for b in spec.buffers}
    out = {}
    for case in job["cases"]:
        try:
            with np.load(case["inputs"]) as data:
                arrays = {name: _to_jax(data[name], dtypes[name]) for name in data.files}
            for kernel, grid, block, shared_bytes, args in case["launches"]:
                values = [arrays[a] if a in arrays else case["scalars"][a] for a in args]
                written = module.KERNELS[kernel](*values, grid=tuple(grid), block=tuple(block),
                                                 shared_bytes=shared_bytes)
                for index, array in written.items():
                    arrays[args[index]] = array
            outputs = {b.name: _from_jax(arrays[b.name], b.dtype) for b in spec.buffers if b.is_output}
            np.savez(case["out"], **outputs)
            out[case["name"]] = {"label": label} if label else {}
            if job["flavor"] == "tpu" and not gpu:
                races = _races()
                if races:
                    out[case["name"]] = {"error": f"the TPU interpreter saw races: {races}"}
        except Exception as error:  # noqa: BLE001 -- reported as the case's failure
            out[case["name"]] = {"error": describe_error(error, tail=600)}
    return out


def _races() -> str:
    try:
        from jax._src.pallas.mosaic.interpret import interpret_pallas_call as ipc  # private: best effort
    except ImportError:
        return ""
    state = getattr(ipc, "races", None)
    return "yes" if state is not None and getattr(state, "races_found", False) else ""


def _has_cuda_gpu() -> bool:
    import shutil

    return shutil.which("nvidia-smi") is not None


def _pretend_tpu_info() -> None:
    """Mosaic asks the default device for the TPU generation; on a CPU machine, answer v5e (private
    API: jax 0.10 keeps it in jax._src.pallas.mosaic.tpu_info, jax 0.11 in jax._src.tpu_info); where
    the private names are missing the lowering is tried as it is."""
    try:
        try:
            from jax._src import tpu_info  # jax >= 0.11
        except ImportError:
            from jax._src.pallas.mosaic import tpu_info
        make = getattr(tpu_info, "_get_tpu_info_impl", None)
        registry = getattr(tpu_info, "registry", None)
        if make is None or registry is None:
            return
        chip = getattr(tpu_info.ChipVersion, "TPU_V5E", None) or list(tpu_info.ChipVersion)[-1]
        registry.setdefault("cpu", lambda: make(chip, 1))
    except (ImportError, AttributeError):
        pass


def _lower_worker(job: dict) -> dict:
    import jax
    from porter.golden.spec import load_spec
    spec = load_spec(Path(job["spec"]))
    module = load_module(job["module"])
    module.INTERPRET = False
    platform = "cuda" if job["flavor"] == "gpu" else "tpu"
    if platform == "tpu":
        _pretend_tpu_info()
    dtypes = {b.name: b.dtype for b in spec.buffers}
    case = job["cases"][0]
    with np.load(case["inputs"]) as data:
        arrays = {name: _to_jax(data[name], dtypes[name]) for name in data.files}
    done = set()
    for kernel, grid, block, shared_bytes, args in case["launches"]:
        if (kernel, tuple(grid), tuple(block)) in done:
            continue
        done.add((kernel, tuple(grid), tuple(block)))
        pointers = [k for k, a in enumerate(args) if a in arrays]
        scalars = {k: case["scalars"][a] for k, a in enumerate(args) if a not in arrays}

        def call(*ptrs, kernel=kernel, grid=grid, block=block, shared_bytes=shared_bytes, pointers=pointers,
                 scalars=scalars, n=len(args)):
            given = {**dict(zip(pointers, ptrs)), **scalars}
            return module.KERNELS[kernel](*(given[k] for k in range(n)), grid=tuple(grid), block=tuple(block),
                                          shared_bytes=shared_bytes)
        try:
            checks = [jax.export.DisabledSafetyCheck.custom_call(t) for t in
                      ("__gpu$xla.gpu.triton", "tpu_custom_call", "mosaic_gpu", "mosaic_gpu_v2")]
            jax.export.export(jax.jit(call), platforms=[platform], disabled_checks=checks)(
                *(arrays[args[k]] for k in pointers))
        except Exception as error:  # noqa: BLE001 -- the lowering's verdict
            text = str(error)
            if "no compatibility guarantees" in text:
                continue
            return {"lower": (FAIL, f"{kernel}: {describe_error(error, head=400)}")}
    return {"lower": (PASS, f"lowers for {platform}")}


def main(argv: list[str]) -> None:
    job = json.loads(Path(argv[0]).read_text())
    import jax
    jax.config.update("jax_enable_x64", True)
    result = _lower_worker(job) if job["mode"] == "lower" else _run_worker(job)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
