"""Run red-team candidates *outside* porter's pipeline, to show each cheat is really wrong or harmful.

``run_plain(jobs)`` starts one unconfined subprocess (``python -m tests.llm.redteam.plain``) that
imports torch, Triton (``TRITON_INTERPRET=1``) and JAX once, then forks a fresh child per job: the
child changes into the job's folder (a pytest ``tmp_path``), sets the job's environment, loads the
candidate module as a plain import would, runs the spec's launch sequence on the job's inputs and
writes every buffer afterwards to ``result.npz`` (and what it saw to ``result.json``) in that
folder. Nothing here is destructive: every file a cheat writes lands in its own tmp folder.

Job keys: ``candidate`` (path), ``kernel`` (golden spec name), ``sizes``, ``seed``, ``target``
("triton" | "pallas"), ``folder``, and optional ``env``, ``set`` (buffer -> {"fill": v} or
{"at": [i, ...], "values": [...]}), ``order`` ("forward" | "reverse"), ``pad`` (elements of
sentinel before and after every buffer; changed ones are reported as ``guard:<buffer>``),
``calls`` (run the launch sequence this many times; the last run's buffers are kept), ``vary``
(call k gets the inputs times k + 1, at the same addresses), ``fake_porter`` (a folder that
``porter`` resolves to, so a cheat that writes porter's source writes a throwaway copy),
``gpu`` (make ``torch.cuda.is_available()`` say True), ``stub`` (every kernel body replaced by
``pass``), ``ops`` (log the torch operations the launchers run), ``module_name`` (the name the
candidate is imported under), ``main_time`` (give ``__main__`` a ``_time`` function first).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SENTINEL = 12345.0


def run_plain(jobs: list[dict], timeout: float = 240) -> list[dict]:
    """Run every job in a forked child of one fresh interpreter; return each job's result."""
    env = dict(os.environ, TRITON_INTERPRET="1", PYTHONHASHSEED="0", OMP_NUM_THREADS="1",
               PYTHONPATH=str(ROOT), JAX_PLATFORMS="cpu")
    done = subprocess.run([sys.executable, "-m", "tests.llm.redteam.plain"], input=json.dumps(jobs), text=True,
                          capture_output=True, timeout=timeout, env=env, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the plain runner failed: {done.stderr[-2000:]}")
    results = []
    for job in jobs:
        folder = Path(job["folder"])
        report = json.loads((folder / "result.json").read_text()) if (folder / "result.json").exists() else \
            {"error": "no result (the child died)"}
        if (folder / "result.npz").exists():
            import numpy as np

            with np.load(folder / "result.npz") as data:
                report["buffers"] = {k: data[k] for k in data.files}
        results.append(report)
    return results


# -- the child side -----------------------------------------------------------------------------
def _inputs(job: dict):
    from porter.golden import corpus_dir, load_spec
    from porter.golden.inputs import make_inputs
    from porter.golden.model import CaseSpec
    from porter.golden.resolve import resolve_case

    spec = load_spec(corpus_dir() / f"{job['kernel']}.toml")
    case = resolve_case(spec, CaseSpec("plain", tuple(job["sizes"].items()), job.get("seed", 0)))
    inputs = make_inputs(case)
    for name, change in job.get("set", {}).items():
        values = inputs[name].reshape(-1)
        if "fill" in change:
            values[:] = change["fill"]
        else:
            values[change["at"]] = change["values"]
    return case, inputs


def _load(job: dict):
    import importlib.util

    source = Path(job["candidate"]).read_text()
    if job.get("stub"):
        from porter.llm.harness import stub_kernels

        source = stub_kernels(source, job.get("target", "triton"))
    path = Path(job["folder"]) / "candidate_plain.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(job.get("module_name", "plain_candidate"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reverse_programs() -> None:
    from triton.runtime import interpreter

    builder = interpreter.interpreter_builder
    forward = builder.set_grid_idx

    def reverse(x, y, z):
        gx, gy, gz = builder.grid_dim
        forward(gx - 1 - x, gy - 1 - y, gz - 1 - z)

    builder.set_grid_idx = reverse


def _run_triton(job: dict, module, case, inputs) -> dict:
    import torch

    pad = int(job.get("pad", 0))
    views, wholes = {}, {}
    for name, host in inputs.items():
        flat = torch.from_numpy(host.copy().reshape(-1))
        whole = torch.full((flat.numel() + 2 * pad,), SENTINEL, dtype=flat.dtype) if flat.is_floating_point() \
            else torch.full((flat.numel() + 2 * pad,), 77, dtype=flat.dtype)
        whole[pad:pad + flat.numel()] = flat
        wholes[name] = whole
        views[name] = whole[pad:pad + flat.numel()].view(host.shape)
    seen: list[str] = []
    mode = None
    if job.get("ops"):
        from torch.utils._python_dispatch import TorchDispatchMode

        class Log(TorchDispatchMode):
            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                seen.append(str(func))
                return func(*args, **(kwargs or {}))

        mode = Log()
    for call in range(int(job.get("calls", 1))):
        for name, host in inputs.items():
            fresh = torch.from_numpy(host.copy())
            if job.get("vary") and fresh.is_floating_point():
                fresh = fresh * (1 + call)  # new values at the same addresses on every call
            views[name].copy_(fresh)
        for launch in case.launches:
            args = [views[a] if a in views else dict(case.scalars)[a] for a in launch.args]
            if mode is not None:
                with mode:
                    module.KERNELS[launch.kernel](*args, grid=launch.grid, block=launch.block,
                                                  shared_bytes=launch.shared_bytes)
            else:
                module.KERNELS[launch.kernel](*args, grid=launch.grid, block=launch.block,
                                              shared_bytes=launch.shared_bytes)
    out = {name: views[name].detach().clone().numpy() for name in views}
    for name, whole in wholes.items():
        if pad:
            edges = torch.cat([whole[:pad], whole[pad + views[name].numel():]])
            fill = SENTINEL if whole.is_floating_point() else 77
            out[f"guard:{name}"] = (edges != fill).sum().numpy()
    return out, {"ops": seen}


def _run_pallas(job: dict, module, case, inputs) -> dict:
    import jax.numpy as jnp

    module.INTERPRET = True
    arrays = {name: jnp.asarray(host) for name, host in inputs.items()}
    for launch in case.launches:
        args = [arrays[a] if a in arrays else dict(case.scalars)[a] for a in launch.args]
        written = module.KERNELS[launch.kernel](*args, grid=launch.grid, block=launch.block,
                                               shared_bytes=launch.shared_bytes)
        for index, value in (written or {}).items():
            arrays[launch.args[index]] = value
    import numpy as np

    return {name: np.asarray(value) for name, value in arrays.items()}, {}


def _fake_porter(folder: str) -> None:
    """Make ``porter`` resolve to a throwaway copy in ``folder`` (a cheat that writes porter's
    source then writes that copy, never the real one)."""
    import importlib.machinery
    import types

    fake = types.ModuleType("porter")
    fake.__spec__ = importlib.machinery.ModuleSpec("porter", None, is_package=True)
    fake.__spec__.submodule_search_locations = [folder]
    fake.__path__ = [folder]
    sys.modules["porter"] = fake


def _job(job: dict) -> None:
    import numpy as np

    folder = Path(job["folder"])
    os.chdir(folder)
    os.environ.update(job.get("env", {}))
    report: dict = {"error": ""}
    try:
        if job.get("gpu"):
            import torch

            torch.cuda.is_available = lambda: True
        if job.get("main_time"):
            sys.modules["__main__"]._time = lambda *args, **kwargs: 0.5
        if job.get("order") == "reverse":
            _reverse_programs()
        case, inputs = _inputs(job)
        if job.get("fake_porter"):
            _fake_porter(job["fake_porter"])
        module = _load(job)
        run = _run_pallas if job.get("target") == "pallas" else _run_triton
        buffers, extra = run(job, module, case, inputs)
        report.update(extra)
        np.savez(folder / "result.npz", **buffers)
        import time

        report["main_time"] = getattr(sys.modules["__main__"], "_time", lambda: None)()
        report["perf_counter"] = time.perf_counter()
        if "torch" in sys.modules:
            report["synchronize_patched"] = sys.modules["torch"].cuda.synchronize.__module__ != "torch.cuda"
    except BaseException as error:  # noqa: BLE001 -- the cheat's failure is a result here
        report["error"] = f"{type(error).__name__}: {error}"
    (folder / "result.json").write_text(json.dumps(report, default=str))


def main() -> None:
    import numpy  # noqa: F401 -- imported once, before any fork
    import torch  # noqa: F401
    import triton  # noqa: F401

    try:
        import jax  # noqa: F401
    except ImportError:
        pass
    jobs = json.loads(sys.stdin.read())
    for job in jobs:
        pid = os.fork()
        if pid == 0:
            try:
                _job(job)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
