"""The NKI backend's checks for one golden kernel.

* run porter-model: the port runs on the CPU under **porter's** executable NKI model
  (``porter.backends.nki.model``, written from AWS's documentation; not AWS's simulator) on the
  golden inputs, in a subprocess, and is compared with the golden outputs;
* run nki.simulate: the same under AWS's ``nki.simulate`` when the real ``nki`` package is
  importable; otherwise the check is ``unavailable`` and says why.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from porter.check.machine import Machine
from porter.check.workers import call_worker, describe_error, judge_worker_outputs
from porter.check.records import UNAVAILABLE, UNSUPPORTED, CheckRecord
from porter.golden.model import KernelSpec
from porter.golden.resolve import resolve_case

MODEL, REAL = "run porter-model", "run nki.simulate"


class NkiChecker:
    name = "nki"

    def __init__(self, machine: Machine, edit_port=None, real: bool | None = None):
        self.machine = machine
        self.edit_port = edit_port  # tests only: change the port before it runs
        self.real = real  # None: ask whether AWS's nki imports

    def check_kernel(self, spec: KernelSpec, cases: list) -> list[CheckRecord]:
        from porter.golden.program import runner_gap
        gap = runner_gap(spec, "NKI")
        if gap:
            return [CheckRecord(f"{spec.name}/{case.name}", self.name, check, UNSUPPORTED, gap)
                    for check in (MODEL, REAL) for case, _ in cases]
        instances = tuple(sorted({launch.kernel for launch in spec.launches if "<" in launch.kernel}))
        port = self.machine.translate(spec.source, "nki", instantiate=instances)
        if port.errors:
            error = port.errors[0]
            detail = f"{error.span}: [{error.id}] {error.message}" + \
                (f" (+{len(port.errors) - 1} more)" if len(port.errors) > 1 else "")
            return [CheckRecord(f"{spec.name}/{case.name}", self.name, check, UNSUPPORTED, detail)
                    for check in (MODEL, REAL) for case, _ in cases]
        code = self.edit_port(port.code) if self.edit_port else port.code
        folder = self.machine.build_dir / "nki" / spec.name
        folder.mkdir(parents=True, exist_ok=True)
        module = folder / f"{spec.name}_nki.py"
        module.write_text(code)
        job = {"module": str(module), "spec": str(spec.path), "cases": []}
        for case, golden in cases:
            res = resolve_case(spec, case)
            inputs = folder / f"{case.name}.inputs.npz"
            np.savez(inputs, **golden.inputs)
            job["cases"].append({"name": case.name, "inputs": str(inputs),
                                 "launches": [[l.kernel, list(l.grid), list(l.block), l.shared_bytes, list(l.args)]
                                              for l in res.launches], "scalars": dict(res.scalars)})
        records = self._run(spec, cases, job, folder, real=False)
        real = self.real if self.real is not None else _real_nki_available()
        if real:
            records += self._run(spec, cases, job, folder, real=True)
        else:
            why = ("AWS's nki (with nki.simulate) is not importable here; it comes only from AWS's "
                   "package index (PyPI's nki is an empty placeholder)")
            records += [CheckRecord(f"{spec.name}/{case.name}", self.name, REAL, UNAVAILABLE, why)
                        for case, _ in cases]
        return records

    def _run(self, spec, cases, job, folder: Path, real: bool) -> list[CheckRecord]:
        label = REAL if real else MODEL
        tag = "real" if real else "model"
        for entry in job["cases"]:
            entry["out"] = str(folder / f"{entry['name']}.{tag}.out.npz")
        started = time.perf_counter()
        result, detail = _worker_call({**job, "real": real})
        seconds = round(time.perf_counter() - started, 3)
        return judge_worker_outputs(spec, cases, job["cases"], result, detail, self.name, label, seconds)


def _real_nki_available() -> bool:
    from porter.backends.nki.model import real_nki_available
    return real_nki_available()


def _worker_call(job: dict) -> tuple[dict | None, str]:
    return call_worker("porter.check.nki", job)


# ------------------------------------------------------------------------- the worker process
def _run_worker(job: dict) -> dict:
    import importlib.util

    from porter.backends.nki.model import install_model
    from porter.golden.spec import load_spec
    if not job["real"]:
        install_model(force=True)  # porter's model even where AWS's nki is installed
    spec = load_spec(Path(job["spec"]))
    loaded = importlib.util.spec_from_file_location(Path(job["module"]).stem, job["module"])
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    out = {}
    for case in job["cases"]:
        try:
            with np.load(case["inputs"]) as data:
                arrays = {name: data[name].copy() for name in data.files}
            for kernel, grid, block, shared_bytes, args in case["launches"]:
                values = [arrays[a] if a in arrays else case["scalars"][a] for a in args]
                written = module.KERNELS[kernel](*values, grid=tuple(grid), block=tuple(block),
                                                 shared_bytes=shared_bytes)
                for index, array in written.items():
                    name = args[index]
                    arrays[name] = np.asarray(array).astype(arrays[name].dtype).reshape(arrays[name].shape)
            outputs = {b.name: arrays[b.name] for b in spec.buffers if b.is_output}
            np.savez(case["out"], **outputs)
            out[case["name"]] = {}
        except Exception as error:  # noqa: BLE001 -- reported as the case's failure
            out[case["name"]] = {"error": describe_error(error, tail=600)}
    return out


def main(argv: list[str]) -> None:
    job = json.loads(Path(argv[0]).read_text())
    print(json.dumps(_run_worker(job)))


if __name__ == "__main__":
    main(sys.argv[1:])
