"""The Triton timer (torch + CUDA events); the Pallas one is in :mod:`porter.bench.pallas_timer`.

The Triton timer times a module that porter's Triton backend emits, under this contract:

    KERNELS: dict[str, callable]
        the spec's ``[[launch]] kernel`` name -> a launcher
        ``f(*args, grid=(gx, gy, gz), block=(bx, by, bz), shared_bytes=0, stream=None)``
        called with the launch's arguments in spec order: a torch tensor (on the GPU, the buffer's
        dtype and shape) for each buffer, a Python int or float for each scalar; it writes the
        results into the tensors (README "Calling a port"). Its argument checks are part of what
        is timed: an isinstance test or two per argument, under 2 us a launch (launch stubbed, CPU).

It follows the protocol of the native timers (:mod:`porter.bench.timers`): input sets restored from
pristine copies and rotated, an L2 flush before each run, warm-up, synchronization, one pair of
CUDA events per run around the whole launch sequence (``triton.testing.do_bench`` style).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from porter.bench.timers import FAILED, OK, UNAVAILABLE, UNSUPPORTED, Build, CaseJob, Settings, Timing, judge
from porter.golden.model import KernelSpec

FLUSH_MIN_BYTES = 64 << 20


def torch_problem() -> str | None:
    """Why torch cannot run on a CUDA GPU here (None: it can)."""
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if not torch.cuda.is_available():
        return f"torch {torch.__version__} sees no CUDA GPU"
    return None


def to_torch(array: np.ndarray, dtype: str):
    import torch

    if dtype == "bfloat16":  # stored as uint16 bit patterns
        return torch.from_numpy(np.ascontiguousarray(array).view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(np.ascontiguousarray(array))


def to_numpy(tensor, like: np.ndarray) -> np.ndarray:
    import torch

    host = tensor.detach().cpu()
    if host.dtype == torch.bfloat16:
        host = host.view(torch.int16)
    return host.numpy().view(like.dtype).reshape(like.shape).copy()


def load_module(path: Path, name: str):
    """Import a generated file as a module (Triton's JIT reads kernels' source, so it must be a file)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def default_triton_source(spec: KernelSpec) -> tuple[str | None, str, str]:
    """The Triton port of the spec's kernels from porter: (code, status, detail)."""
    import porter
    from porter.backends.base import available_backends

    if "triton" not in available_backends():
        return None, UNAVAILABLE, "porter has no triton backend yet"
    port = porter.translate(spec.source, "triton", instantiate=spec.instances)
    if port.errors:
        error = port.errors[0]
        return None, UNSUPPORTED, f"{error.span}: [{error.id}] {error.message}"
    return port.code, OK, ""


class TritonTimer:
    name = "triton"

    def __init__(self, source: Callable[[KernelSpec], tuple[str | None, str, str]] | None = None):
        self.source = source or default_triton_source

    def unavailable(self, machine) -> str | None:
        problem = torch_problem()
        if problem:
            return problem
        try:
            import triton  # noqa: F401
        except ImportError:
            return "triton is not installed"
        if self.source is default_triton_source:
            from porter.backends.base import available_backends

            if "triton" not in available_backends():
                return "porter has no triton backend yet"
        return None

    def build(self, spec: KernelSpec, machine) -> Build:
        code, status, detail = self.source(spec)
        if code is None:
            return Build(status, detail)
        folder = machine.build_dir / "bench" / self.name / spec.name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{spec.name}_triton.py"
        path.write_text(code)
        return Build(OK, "", path)

    def time(self, spec: KernelSpec, build: Build, jobs: list[CaseJob], settings: Settings) -> list[Timing]:
        try:
            module = load_module(Path(build.artifact), f"porter_bench_{self.name.replace('-', '_')}_{spec.name}")
            kernels = module.KERNELS
            missing = [launch.kernel for launch in spec.launches if launch.kernel not in kernels]
            if missing:
                raise LookupError(f"KERNELS has no {', '.join(missing)}")
        except Exception as error:  # noqa: BLE001 - a broken generated module fails its cases, not the run
            return [Timing(FAILED, f"loading the Triton module: {type(error).__name__}: {error}") for _ in jobs]
        return [self._time_case(spec, kernels, job, settings) for job in jobs]

    def _time_case(self, spec: KernelSpec, kernels: dict, job: CaseJob, settings: Settings) -> Timing:
        import torch

        try:
            return time_torch_case(spec, job, settings, lambda tensors: run_launches(kernels, job, tensors))
        except Exception as error:  # noqa: BLE001
            torch.cuda.synchronize()
            return Timing(FAILED, f"{type(error).__name__}: {str(error)[-800:]}")


def run_launches(kernels: dict, job: CaseJob, tensors: dict) -> None:
    scalars = dict(job.resolved.scalars)
    for launch in job.resolved.launches:
        args = [tensors[name] if name in tensors else scalars[name] for name in launch.args]
        kernels[launch.kernel](*args, grid=tuple(launch.grid), block=tuple(launch.block),
                               shared_bytes=launch.shared_bytes)


def time_torch_case(spec: KernelSpec, job: CaseJob, settings: Settings, run: Callable[[dict], None]) -> Timing:
    """Time ``run(tensors)`` on the case's input sets with torch's CUDA events (the shared protocol)."""
    import torch

    device = torch.device("cuda")
    buffers = job.resolved.buffers
    pristine = [{b.name: to_torch(inputs[b.name], b.dtype).to(device) for b in buffers} for inputs in job.inputs]
    work = [{name: tensor.clone() for name, tensor in copy.items()} for copy in pristine]
    l2 = getattr(torch.cuda.get_device_properties(device), "L2_cache_size", 0) or 0
    flush = torch.empty(max(4 * l2, FLUSH_MIN_BYTES), dtype=torch.int8, device=device)
    step = [0]

    def prepare(k: int) -> dict:
        for name, tensor in work[k].items():
            tensor.copy_(pristine[k][name])
        flush.fill_(0x21 + step[0] % 64)  # int8: stays below 128
        step[0] += 1
        return work[k]

    copies = len(job.inputs)
    outputs = None
    for w in range(settings.warmup):
        tensors = prepare(w % copies)
        run(tensors)
        if w == 0:
            torch.cuda.synchronize()
            outputs = {b.name: to_numpy(tensors[b.name], job.inputs[0][b.name]) for b in buffers}
    torch.cuda.synchronize()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(settings.runs)]
    stops = [torch.cuda.Event(enable_timing=True) for _ in range(settings.runs)]
    for r in range(settings.runs):
        tensors = prepare(r % copies)
        starts[r].record()
        run(tensors)
        stops[r].record()
    torch.cuda.synchronize()
    times = [start.elapsed_time(stop) for start, stop in zip(starts, stops)]
    correct, detail = judge(spec, job, outputs)
    return Timing(OK, detail, times, correct, outputs)


class OptimizedTritonTimer(TritonTimer):
    """The LLM stage's kept Triton modules (``porter optimize KERNEL.cu --to triton -o DIR/NAME.py``,
    NAME the golden spec's name), timed like porter's own Triton ports; kernels without one in
    ``folder`` are listed as unavailable."""

    name = "triton-llm"

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder is not None else None
        super().__init__(source=self._kept_module)

    def unavailable(self, machine) -> str | None:
        if self.folder is None:
            return "no folder of LLM-optimized modules (porter bench --optimized DIR)"
        if not self.folder.is_dir():
            return f"{self.folder} is not a folder"
        return super().unavailable(machine)

    def _kept_module(self, spec: KernelSpec) -> tuple[str | None, str, str]:
        path = self.folder / f"{spec.name}.py"
        if not path.is_file():
            return None, UNAVAILABLE, f"no LLM-optimized module {path} (porter optimize {spec.source.name} --to triton -o {path})"
        return path.read_text(), OK, ""
