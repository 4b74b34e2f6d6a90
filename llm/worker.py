"""The subprocess side of the executor: run one candidate module on the harness's trials.

Harness code only; candidate code is imported here, in a process of its own. This file must stay
standalone (the standard library, numpy and torch; nothing of porter): in the sandbox it is the
only file of porter mounted (at ``/opt/porter-worker/worker.py``, run as a script on ``/job``), and
porter itself cannot be imported there. Ways in:

* ``python worker.py /job`` inside the sandbox (:mod:`porter.llm.sandbox`): run one job and exit;
* ``python -m porter.llm.worker JOB_DIR`` (unconfined): run one job and exit;
* ``python -m porter.llm.worker --serve`` (unconfined only): a fork server. It imports torch and Triton once (never
  any candidate code), then for each job directory read from stdin forks a fresh child that runs
  the job and exits, so every candidate still has a process of its own, without paying the
  imports each time. The server kills a child that runs past the job's time limit.

A job directory holds ``candidate.py``, ``job.json`` (trials: launches, scalars, which buffers)
and ``inputs.npz`` (every buffer's initial contents per trial, poison included: the harness owns
inputs and poison). The worker resets every buffer before every trial, reusing one tensor per
(buffer, shape) so fresh values arrive at the same addresses, runs the launches in order and
writes ``result.npz`` (every buffer after the trial) and ``result.json``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import select
import signal
import socket
import sys
import time
import traceback
from pathlib import Path


def _no_network(*args, **kwargs):
    raise OSError("porter: candidates run without network access")


def _seal() -> None:
    """Best effort on top of the network namespace: no sockets from Python either."""
    socket.socket.connect = _no_network  # type: ignore[method-assign]
    socket.create_connection = _no_network  # type: ignore[assignment]


def run_job(folder: Path) -> dict:
    import numpy as np
    import torch

    job = json.loads((folder / "job.json").read_text())
    result: dict = {"stage": "compile", "ok": False, "error": "", "seconds": None, "trials": 0}
    clock = time.perf_counter  # bound before any candidate code runs
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
    except BaseException as error:  # noqa: BLE001 -- anything the candidate raises is its failure
        result["error"] = _describe(error)
        return result
    result["stage"] = "run"
    device = "cuda" if job.get("device") == "cuda" else "cpu"
    tensors: dict[tuple, torch.Tensor] = {}
    outputs: dict[str, np.ndarray] = {}
    with np.load(folder / "inputs.npz") as data:
        inputs = {k: data[k] for k in data.files}
    for index, trial in enumerate(job["trials"]):
        try:
            bound = _bind(trial, index, inputs, tensors, device)
            for launch in trial["launches"]:
                args = [bound[a] if a in bound else trial["scalars"][a] for a in launch["args"]]
                kernels[launch["kernel"]](*args, grid=tuple(launch["grid"]), block=tuple(launch["block"]),
                                          shared_bytes=launch["shared_bytes"])
            if device == "cuda":
                torch.cuda.synchronize()
            for name in trial["buffers"]:
                outputs[f"{index}/{name}"] = _to_numpy(bound[name], inputs[f"{index}/{name}"].dtype)
        except BaseException as error:  # noqa: BLE001
            result["error"] = f"trial {trial['name']!r}: {_describe(error)}"
            result["trials"] = index
            np.savez(folder / "result.npz", **outputs)
            return result
    result["trials"] = len(job["trials"])
    if job.get("time") and device == "cuda":
        result["seconds"] = _time(kernels, job["trials"][0], inputs, tensors, device, clock, job.get("reps", 20))
    np.savez(folder / "result.npz", **outputs)
    result.update(ok=True, stage="done")
    return result


def _bind(trial: dict, index: int, inputs: dict, tensors: dict, device: str) -> dict:
    import torch

    bound = {}
    for name in trial["buffers"]:
        host = inputs[f"{index}/{name}"]
        key = (name, host.shape, host.dtype.str, trial.get("torch_dtype", {}).get(name))
        tensor = tensors.get(key)
        source = torch.from_numpy(host.copy())
        if trial.get("torch_dtype", {}).get(name) == "bfloat16":
            source = source.view(torch.bfloat16)
        if tensor is None:
            tensor = tensors[key] = torch.empty_like(source, device=device)
        tensor.copy_(source)  # fresh values, same address
        bound[name] = tensor
    return bound


def _to_numpy(tensor, dtype):
    import torch

    data = tensor.detach().cpu()
    if data.dtype == torch.bfloat16:
        data = data.view(torch.int16)
    return data.numpy().view(dtype).copy()


def _time(kernels, trial, inputs, tensors, device, clock, reps: int) -> float:
    """Median over ``reps`` of the launch sequence, the whole device synchronized around each."""
    import torch

    bound = _bind(trial, 0, inputs, tensors, device)
    samples = []
    for _ in range(reps + 2):
        torch.cuda.synchronize()
        start = clock()
        for launch in trial["launches"]:
            args = [bound[a] if a in bound else trial["scalars"][a] for a in launch["args"]]
            kernels[launch["kernel"]](*args, grid=tuple(launch["grid"]), block=tuple(launch["block"]),
                                      shared_bytes=launch["shared_bytes"])
        torch.cuda.synchronize()
        samples.append(clock() - start)
    samples = sorted(samples[2:])
    return samples[len(samples) // 2]


def _describe(error: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith("candidate.py")]
    where = f" (candidate.py line {frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}: {str(error)[:800]}{where}"


def _finish(folder: Path, result: dict) -> None:
    (folder / "result.json").write_text(json.dumps(result))


def _child(folder: Path) -> None:
    try:
        result = run_job(folder)
    except BaseException as error:  # noqa: BLE001
        result = {"stage": "crash", "ok": False, "error": _describe(error), "seconds": None, "trials": 0}
    try:
        _finish(folder, result)
    finally:
        sys.stdout.flush()
        os._exit(0)


def serve() -> None:
    """The fork server: one line in (a job folder and a time limit), one line out."""
    import numpy  # noqa: F401 -- imported once, before any fork
    import torch  # noqa: F401
    import triton
    import triton.language  # noqa: F401

    print("ready", flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        folder, limit = Path(request["dir"]), float(request["timeout"])
        pid = os.fork()
        if pid == 0:
            sys.stdin.close()
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the child never writes the protocol
            _seal()
            _child(folder)
        status = _wait(pid, limit)
        print(json.dumps({"dir": str(folder), "status": status}), flush=True)


def _wait(pid: int, limit: float) -> str:
    deadline = time.monotonic() + limit
    while True:
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            return "exited" if os.WIFEXITED(code) else f"killed by signal {os.WTERMSIG(code)}"
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        select.select([], [], [], 0.005)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--serve"]:
        serve()
        return
    _seal()
    _child(Path(argv[0]))


if __name__ == "__main__":
    main(sys.argv[1:])
