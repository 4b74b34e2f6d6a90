"""The Pallas timer: porter's Pallas port (GPU flavour, Triton lowering) run by jax on the GPU.

The port's contract is the one ``porter check`` uses (README "Calling a port"): ``KERNELS[name](*args,
grid=, block=, shared_bytes=)`` takes jax arrays (buffers) and Python numbers (scalars) in spec
order and returns ``{argument index: new array}`` for the buffers it writes (jax arrays are
immutable: the returned arrays are the results). The spec's whole launch sequence is one
jitted function of the buffers, with every buffer donated, so a kernel that updates a buffer in
place (``input_output_aliases``) really does so instead of XLA copying it first.

Protocol, as the other timers' except for the clock: fresh copies of the rotated input sets made
before every run, an L2 flush (a write of 4x the L2 size) finished before every run, warm-up, then
per run ``block_until_ready`` before and after the call.

The clock. jax has no device events and runs on its own streams, so a torch event would not
bracket its work. On the GPU the timer therefore reads the device's own record of the work: the
timed runs go under ``torch.profiler`` (CUPTI, which sees every kernel the process launches, jax's
included), each run inside a named range, and a run's time is the span from the start of its
first device operation (kernel, copy, memset) to the end of its last, as CUDA events around a
launch sequence measure it less the few microseconds between the event and the first launch. The
host clock around the synchronized call (jax's dispatch included) is kept in each case's detail.
Without a GPU (the interpreted port in the tests) only the host clock exists: ``clock="host"``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from porter.bench.python_timers import FLUSH_MIN_BYTES, load_module
from porter.bench.timers import FAILED, OK, UNSUPPORTED, Build, CaseJob, Settings, Timing, judge
from porter.golden.model import KernelSpec


def _jax():
    # set before jax first starts on the GPU: torch shares it, so no up-front grab of most of it
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    import jax

    jax.config.update("jax_enable_x64", True)  # 64-bit kernels keep their types, as in porter check
    return jax


def jax_gpu_problem() -> str | None:
    """Why jax cannot run on a GPU here (None: it can)."""
    try:
        jax = _jax()
    except ImportError:
        return "jax is not installed"
    try:
        if not jax.devices("gpu"):
            return "jax sees no GPU"
    except RuntimeError as error:
        return f"jax sees no GPU ({str(error).splitlines()[0]})"
    return None


def to_jax(array: np.ndarray, dtype: str):
    import jax.numpy as jnp

    if dtype == "bfloat16":  # stored as uint16 bit patterns
        return jnp.asarray(np.ascontiguousarray(array).view(np.uint16)).view(jnp.bfloat16)
    return jnp.asarray(np.ascontiguousarray(array))


def from_jax(array, like: np.ndarray) -> np.ndarray:
    import jax.numpy as jnp

    if array.dtype == jnp.bfloat16:
        array = array.view(jnp.uint16)
    return np.asarray(array).view(like.dtype).reshape(like.shape).copy()


@functools.cache  # once per bench run: it belongs to the process, not to a kernel
def dispatch_floor_ms(runs: int = 200) -> float:
    """Median host time of a synchronized call of a trivial jitted function: what the clock adds."""
    jax = _jax()
    import jax.numpy as jnp

    step = jax.jit(lambda x: x + 1, donate_argnums=0)
    x = jax.block_until_ready(jnp.zeros(1, jnp.float32))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        x = jax.block_until_ready(step(x))
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


class PallasTimer:
    name = "pallas"

    def unavailable(self, machine) -> str | None:
        from porter.backends.base import available_backends

        if "pallas" not in available_backends():
            return "porter has no pallas backend"
        return jax_gpu_problem()

    def build(self, spec: KernelSpec, machine) -> Build:
        import porter

        port = porter.translate(spec.source, "pallas", flavor="gpu", instantiate=spec.instances)
        if port.errors:
            error = port.errors[0]
            return Build(UNSUPPORTED, f"{error.span}: [{error.id}] {error.message}")
        folder = machine.build_dir / "bench" / self.name / spec.name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{spec.name}_pallas_gpu.py"
        path.write_text(port.code)
        return Build(OK, "", path)

    def time(self, spec: KernelSpec, build: Build, jobs: list[CaseJob], settings: Settings) -> list[Timing]:
        try:
            module = load_module(build.artifact, f"porter_bench_pallas_{spec.name}")
            module.INTERPRET = False
            floor = dispatch_floor_ms()
        except Exception as error:  # noqa: BLE001 - a broken generated module fails its cases, not the run
            return [Timing(FAILED, f"loading the Pallas module: {type(error).__name__}: {error}") for _ in jobs]
        out = []
        for job in jobs:
            try:
                timing = time_jax_case(spec, module.KERNELS, job, settings, clock="device")
                timing.detail = "; ".join(d for d in (timing.detail, f"jax dispatch floor {floor * 1e3:.1f} us") if d)
                out.append(timing)
            except Exception as error:  # noqa: BLE001
                out.append(Timing(FAILED, f"{type(error).__name__}: {str(error)[-800:]}"))
        return out


#: device activity a run's span covers (categories of torch.profiler's Chrome trace)
DEVICE_CATEGORIES = frozenset({"kernel", "gpu_memcpy", "gpu_memset"})
RUN_LABEL = "porter-pallas-run-"


def run_spans_ms(events: list[dict], runs: int) -> list[float]:
    """Per timed run, the span of its device work in ms, from a Chrome trace's events: the device
    operations that start inside the host range ``RUN_LABEL + str(k)`` belong to run k (the range
    closes only after the run's outputs are ready, and everything before it finished before it
    opened). Raises when a run has no device work: the profiler did not see jax's kernels."""
    ranges = {}
    for e in events:
        name = str(e.get("name", ""))
        if e.get("cat") == "user_annotation" and name.startswith(RUN_LABEL):
            ranges[int(name[len(RUN_LABEL):])] = (float(e["ts"]), float(e["ts"]) + float(e.get("dur", 0)))
    device = sorted((float(e["ts"]), float(e["ts"]) + float(e.get("dur", 0)))
                    for e in events if e.get("cat") in DEVICE_CATEGORIES)
    spans = []
    for k in range(runs):
        if k not in ranges:
            raise RuntimeError(f"the profiler recorded no range for timed run {k}")
        lo, hi = ranges[k]
        inside = [(a, b) for a, b in device if lo <= a <= hi]
        if not inside:
            raise RuntimeError(f"the profiler saw no device work in timed run {k}: CUPTI does not see jax's "
                               "kernels here, so the run cannot be timed on the device clock")
        spans.append((max(b for _, b in inside) - inside[0][0]) / 1e3)  # trace times are in us
    return spans


def time_jax_case(spec: KernelSpec, kernels: dict, job: CaseJob, settings: Settings, clock: str = "device") -> Timing:
    """Time one case; ``clock`` is "device" (the span of each run's device work, through
    torch.profiler; needs a GPU) or "host" (the host clock around the synchronized call)."""
    if clock not in ("device", "host"):
        raise ValueError(f"unknown clock {clock!r}: 'device' or 'host'")
    jax = _jax()
    import jax.numpy as jnp

    buffers = job.resolved.buffers
    names = [b.name for b in buffers]
    scalars = dict(job.resolved.scalars)
    launches = job.resolved.launches

    def sequence(*arrays):
        values = dict(zip(names, arrays))
        for launch in launches:
            args = [values[a] if a in values else scalars[a] for a in launch.args]
            written = kernels[launch.kernel](*args, grid=tuple(launch.grid), block=tuple(launch.block),
                                             shared_bytes=launch.shared_bytes)
            for index, array in written.items():
                values[launch.args[index]] = array
        return tuple(values[n] for n in names)

    run = jax.jit(sequence, donate_argnums=tuple(range(len(names))))
    pristine = [[jax.device_put(to_jax(inputs[b.name], b.dtype)) for b in buffers] for inputs in job.inputs]
    l2 = getattr(jax.devices()[0], "l2_cache_size", 0) or 50 << 20  # not every jax reports it; H200: 50 MB
    flush = jax.jit(lambda x: x + jnp.int8(1), donate_argnums=0)
    dirt = jax.block_until_ready(jnp.zeros(max(4 * l2, FLUSH_MIN_BYTES), jnp.int8))
    copies = len(job.inputs)
    state = {"dirt": dirt, "outputs": None}

    def one_run(r: int, label: str | None = None) -> float:
        fresh = [jnp.array(a, copy=True) for a in pristine[r % copies]]
        state["dirt"] = flush(state["dirt"])
        jax.block_until_ready((fresh, state["dirt"]))
        with _host_range(label):
            start = time.perf_counter()
            result = jax.block_until_ready(run(*fresh))
            elapsed = (time.perf_counter() - start) * 1e3
        if r == 0:
            state["outputs"] = {b.name: from_jax(result[k], job.inputs[0][b.name]) for k, b in enumerate(buffers)}
        return elapsed

    for r in range(settings.warmup):
        one_run(r)
    if clock == "host":
        times = [one_run(settings.warmup + k) for k in range(settings.runs)]
        detail = "host-clocked"
    else:
        host, times = _device_clocked(lambda k: one_run(settings.warmup + k, f"{RUN_LABEL}{k}"), settings.runs)
        detail = f"device-clocked (CUPTI); host clock median {float(np.median(host)) * 1e3:.1f} us"
    correct, verdict = judge(spec, job, state["outputs"])
    return Timing(OK, "; ".join(d for d in (verdict, detail) if d), times, correct, state["outputs"])


def _host_range(label: str | None):
    if label is None:
        return contextlib.nullcontext()
    from torch.profiler import record_function

    return record_function(label)


def _device_clocked(timed_run, runs: int) -> tuple[list[float], list[float]]:
    """(host ms, device ms) of ``runs`` calls of ``timed_run(k)`` under torch.profiler."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        host = [timed_run(k) for k in range(runs)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trace.json"
        prof.export_chrome_trace(str(path))
        events = json.loads(path.read_text()).get("traceEvents", [])
    return host, run_spans_ms(events, runs)
