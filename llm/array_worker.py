"""The in-sandbox runner of candidates whose launchers return new arrays: JAX Pallas and NKI.

Harness code only; candidate code is imported here, in a process of its own. This file must stay
standalone (the standard library and numpy, plus jax for Pallas and porter's NKI model for NKI;
nothing else of porter): the executor copies it into the job folder and runs it as a script,
``python array_worker.py JOB_DIR TARGET``, inside the sandbox (or, unconfined, as a plain
subprocess). For NKI the job folder also holds ``lib/porter/backends/nki/model`` (porter's
executable NKI model, which imports only numpy and itself); the worker puts ``lib`` first on
``sys.path`` and installs the model as ``nki`` before the candidate is imported.

The job is the Triton worker's (:func:`porter.llm.executor.write_job`): ``candidate.py``,
``job.json`` (trials: buffers, scalars, launches) and ``inputs.npz`` (every buffer's initial
contents per trial, poison included). porter's launchers (README "Calling a port") write their
results into mutable buffers and return ``{parameter index: array}`` for the arrays they write;
the worker accepts both forms a candidate may use: a returned dict's arrays become the buffers'
contents for the next launch, and a launcher that returns None leaves whatever it wrote into the
buffers in place. NKI buffers are numpy arrays (writable in place); Pallas buffers are jax arrays,
which are immutable, so a Pallas candidate must return the dict. After each trial every buffer
goes to ``result.npz`` in its storage dtype (bfloat16 as uint16 bit patterns) and ``result.json``
says how far the run got.

Pallas runs with ``jax_enable_x64`` on (64-bit kernels keep their types) and the candidate's
``INTERPRET`` set to True (the Pallas interpreter, ``JAX_PLATFORMS=cpu``) or False (a GPU, where
jax has one; only then is the launch sequence timed).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import sys
import time
import traceback
from pathlib import Path

TARGETS = ("pallas", "nki")


def _no_network(*args, **kwargs):
    raise OSError("porter: candidates run without network access")


def _seal() -> None:
    """Best effort on top of the network namespace: no sockets from Python either."""
    socket.socket.connect = _no_network  # type: ignore[method-assign]
    socket.create_connection = _no_network  # type: ignore[assignment]


class Pallas:
    """Arrays go in as jax arrays (bfloat16 from its bit patterns) and come back as numpy."""

    def __init__(self, device: str):
        import jax
        import jax.numpy as jnp
        from jax.experimental import pallas  # noqa: F401 -- imported before the clock starts

        jax.config.update("jax_enable_x64", True)
        self.jax, self.jnp, self.device = jax, jnp, device

    def prepare(self, module) -> None:
        module.INTERPRET = self.device != "cuda"

    def to_device(self, host, bfloat16: bool):
        if bfloat16:
            return self.jnp.asarray(host.view("uint16")).view(self.jnp.bfloat16)
        return self.jnp.asarray(host)

    def to_host(self, array):
        if getattr(array, "dtype", None) == self.jnp.bfloat16:
            array = self.jnp.asarray(array).view(self.jnp.uint16)
        return self.jax.device_get(array)

    def wait(self, arrays) -> None:
        for array in arrays:
            if hasattr(array, "block_until_ready"):
                array.block_until_ready()


class Nki:
    """Arrays go in as numpy (bfloat16 as bit patterns: porter's launchers convert them)."""

    def __init__(self, device: str, lib: Path):
        sys.path.insert(0, str(lib))
        from porter.backends.nki.model import install_model

        install_model(force=True)  # porter's model, whatever else is importable
        self.device = device

    def prepare(self, module) -> None:
        pass

    def to_device(self, host, bfloat16: bool):
        return host.copy()

    def to_host(self, array):
        return array

    def wait(self, arrays) -> None:
        pass


def run_job(folder: Path, target: str) -> dict:
    import numpy as np

    job = json.loads((folder / "job.json").read_text())
    device = "cuda" if job.get("device") == "cuda" else "cpu"
    result: dict = {"stage": "compile", "ok": False, "error": "", "seconds": None, "trials": 0}
    clock = time.perf_counter  # bound before any candidate code runs
    runtime = Pallas(device) if target == "pallas" else Nki(device, folder / "lib")
    with np.load(folder / "inputs.npz") as data:
        inputs = {k: data[k] for k in data.files}
    (folder / "started").write_text("")  # the time limit counts from here: imports done, candidate next
    try:
        spec = importlib.util.spec_from_file_location("porter_candidate", folder / "candidate.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        kernels = getattr(module, "KERNELS", None)
        if not isinstance(kernels, dict):
            raise TypeError("the module defines no KERNELS dict")
        missing = sorted({launch["kernel"] for t in job["trials"] for launch in t["launches"]} - set(kernels))
        if missing:
            raise KeyError(f"KERNELS has no entry for {', '.join(missing)}")
        runtime.prepare(module)
    except BaseException as error:  # noqa: BLE001 -- anything the candidate raises is its failure
        result["error"] = _describe(error)
        return result
    result["stage"] = "run"
    outputs: dict = {}
    for index, trial in enumerate(job["trials"]):
        try:
            final = _run_trial(runtime, kernels, trial, index, inputs)
            for name in trial["buffers"]:
                outputs[f"{index}/{name}"] = final[name]
        except BaseException as error:  # noqa: BLE001
            result["error"] = f"trial {trial['name']!r}: {_describe(error)}"
            result["trials"] = index
            np.savez(folder / "result.npz", **outputs)
            return result
    result["trials"] = len(job["trials"])
    if job.get("time") and device == "cuda":
        result["seconds"] = _time(runtime, kernels, job["trials"][0], inputs, clock, job.get("reps", 20))
    np.savez(folder / "result.npz", **outputs)
    result.update(ok=True, stage="done")
    return result


def _bind(runtime, trial: dict, index: int, inputs: dict) -> dict:
    bfloat16 = trial.get("torch_dtype", {})
    return {name: runtime.to_device(inputs[f"{index}/{name}"], bfloat16.get(name) == "bfloat16")
            for name in trial["buffers"]}


def _launch(runtime, kernels: dict, trial: dict, arrays: dict) -> None:
    """Every launch in order; what a launcher returns replaces the buffers it names (None: it wrote in place)."""
    for launch in trial["launches"]:
        args = launch["args"]
        values = [arrays[a] if a in arrays else trial["scalars"][a] for a in args]
        written = kernels[launch["kernel"]](*values, grid=tuple(launch["grid"]), block=tuple(launch["block"]),
                                            shared_bytes=launch["shared_bytes"])
        if written is None:
            written = {}
        if not isinstance(written, dict):
            raise TypeError(f"{launch['kernel']} returned {type(written).__name__}, not a dict "
                            "{parameter index: new array}")
        for position, array in written.items():
            if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < len(args) \
                    or args[position] not in arrays:
                raise TypeError(f"{launch['kernel']} returned an array for parameter {position!r}, "
                                "which is not a buffer parameter of the launch")
            arrays[args[position]] = array


def _run_trial(runtime, kernels: dict, trial: dict, index: int, inputs: dict) -> dict:
    import numpy as np

    arrays = _bind(runtime, trial, index, inputs)
    _launch(runtime, kernels, trial, arrays)
    final = {}
    for name in trial["buffers"]:
        like = inputs[f"{index}/{name}"]
        host = np.asarray(runtime.to_host(arrays[name]))
        if host.size != like.size:
            raise ValueError(f"buffer {name}: the launcher left {host.size} element(s), the buffer has {like.size}")
        if host.dtype != like.dtype:
            host = _storage(host, like.dtype, trial.get("torch_dtype", {}).get(name) == "bfloat16", name)
        final[name] = np.ascontiguousarray(host).reshape(like.shape).copy()
    return final


def _storage(host, storage, bfloat16: bool, name: str):
    """Values of another numeric type in the buffer's storage type: floats stay floats, integers
    integers; bfloat16 buffers take 16-bit patterns only."""
    if bfloat16:
        if host.dtype.kind in "iu" and host.dtype.itemsize == 2:
            return host.view(storage)
    elif host.dtype.kind in "iub" and storage.kind in "iu" or host.dtype.kind == "f" == storage.kind:
        return host.astype(storage)
    raise TypeError(f"buffer {name}: the launcher left {host.dtype} values in a "
                    f"{'bfloat16' if bfloat16 else storage} buffer")


def _time(runtime, kernels, trial, inputs, clock, reps: int) -> float:
    """Median over ``reps`` of the launch sequence, every result waited for."""
    samples = []
    for _ in range(reps + 2):
        arrays = _bind(runtime, trial, 0, inputs)
        runtime.wait(arrays.values())
        start = clock()
        _launch(runtime, kernels, trial, arrays)
        runtime.wait(arrays.values())
        samples.append(clock() - start)
    samples = sorted(samples[2:])
    return samples[len(samples) // 2]


def _describe(error: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith("candidate.py")]
    where = f" (candidate.py line {frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}: {str(error)[:800]}{where}"


def main(argv: list[str]) -> None:
    folder, target = Path(argv[0]), argv[1]
    _seal()
    try:
        if target not in TARGETS:
            raise ValueError(f"no array runner for {target!r}")
        result = run_job(folder, target)
    except BaseException as error:  # noqa: BLE001
        result = {"stage": "crash", "ok": False, "error": _describe(error), "seconds": None, "trials": 0}
    try:
        (folder / "result.json").write_text(json.dumps(result))
    finally:
        sys.stdout.flush()
        os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
