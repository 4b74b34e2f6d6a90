"""Record goldens: compile each spec's launcher, run every case on the GPU, store the results.

Results come back as data (:class:`Outcome`), one per case, never as exceptions, so one broken
kernel does not stop the rest. Before storing, each run is checked: ``in`` buffers must come back
unchanged, and no element of a ``poison``-initialised buffer may still hold the poison marker
(that would mean the kernel never wrote it).
"""

from __future__ import annotations

import fnmatch
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from porter import __version__
from porter.atomic import write_text_atomic
from porter.golden.dtypes import DTYPES
from porter.golden.errors import GoldenError
from porter.golden.inputs import make_inputs
from porter.golden.launcher import build_key, generate_launcher
from porter.golden.model import CaseSpec, KernelSpec, ResolvedCase
from porter.golden.plan import PlanFormatError, decode_output, encode_plan
from porter.golden.program import bind_device, needs_device
from porter.golden.resolve import canonical_json, case_hash, resolve_case
from porter.golden.store import FORMAT_VERSION, default_store, save, source_hash
from porter.golden.toolchain import (
    NVCC_FLAGS,
    Gpu,
    Toolchain,
    compile_program,
    find_sanitizer,
)

RUN_TIMEOUT_S = 120


@dataclass(frozen=True)
class Outcome:
    kernel: str
    case: str
    status: str  # "recorded" or "failed"
    message: str = ""
    path: Path | None = None


@dataclass
class Recorder:
    toolchain: Toolchain
    gpu: Gpu
    build_dir: Path  # generated launchers, executables and plans go here
    store: Path | None = None  # None: each spec's default store
    sanitize: str | None = None  # a compute-sanitizer tool: memcheck, racecheck, synccheck, initcheck
    device_info: dict = field(default_factory=dict)

    def store_for(self, spec: KernelSpec) -> Path:
        return self.store if self.store is not None else default_store(spec.path)

    def compile(self, spec: KernelSpec, case: ResolvedCase | None = None) -> tuple[Path, str]:
        """Generate and compile the spec's launcher (format 2: for ``case``'s defines and template
        arguments); return the executable and the -arch used."""
        variant = "" if case is None or spec.format == 1 else "." + _variant_name(case)
        source = self.build_dir / f"{spec.name}{variant}.launcher.cu"
        write_text_atomic(source, generate_launcher(spec, case=case if spec.format == 2 else None))
        binary = self.build_dir / f"{spec.name}{variant}.launcher"
        arch = compile_program(self.toolchain, source, binary, self.gpu)
        if not self.device_info:
            self.device_info = _device_info(binary)
        return binary, arch

    def record_case(self, spec: KernelSpec, case: CaseSpec, binary: Path, arch: str) -> Outcome:
        resolved = resolve_case(spec, case)
        inputs = make_inputs(resolved)
        sm_count = None
        if needs_device(resolved):
            if not str(self.device_info.get("sm_count", "")).isdigit():
                return Outcome(spec.name, case.name, "failed", "the launcher did not report the GPU's sm_count")
            sm_count = int(self.device_info["sm_count"])
        try:
            bound = bind_device(resolved, sm_count)
            outputs, spread = record_runs(spec, lambda: self._run(binary, bound, inputs))
            _check_run(spec, resolved, inputs, outputs)
        except GoldenError as error:
            return Outcome(spec.name, case.name, "failed", error.message)
        kept = {b.name: outputs[b.name] for b in spec.buffers if b.is_output}
        provenance = self._provenance(spec, resolved, inputs, arch)
        if spread is not None:
            provenance["spread"] = spread
        if sm_count is not None:
            provenance["sm_count"] = sm_count
        path = save(self.store_for(spec), spec.name, case.name, inputs, kept, provenance)
        return Outcome(spec.name, case.name, "recorded", "", path)

    def _run(self, binary: Path, resolved: ResolvedCase, inputs: dict) -> dict[str, np.ndarray]:
        wrapper = []
        if self.sanitize:
            wrapper = [str(find_sanitizer(self.toolchain)), "--tool", self.sanitize, "--error-exitcode", "9"]
        return run_launcher(binary, resolved, inputs, self.build_dir, wrapper)

    def _provenance(self, spec: KernelSpec, resolved: ResolvedCase, inputs: dict, arch: str) -> dict:
        return case_provenance(spec, resolved, inputs, {
            "gpu": {**asdict(self.gpu), **self.device_info},
            "nvcc": {"version": self.toolchain.nvcc_version, "flags": [*NVCC_FLAGS, f"-arch={arch}"]}})


def case_provenance(spec: KernelSpec, resolved: ResolvedCase, inputs: dict, origin: dict) -> dict:
    """What a stored golden says of where it came from: the spec, source and case (with their
    hashes), the buffers, ``origin`` (the GPU and compiler, or the captured program), and when."""
    return {
        "format": FORMAT_VERSION,
        "kernel": spec.name,
        "case": resolved.case,
        "source": spec.source.name,
        "source_sha256": source_hash(spec),
        "spec": spec.path.name,
        "case_sha256": case_hash(resolved),
        "resolved": json.loads(canonical_json(resolved)),
        "buffers": {b.name: {"dtype": b.dtype, "storage": str(inputs[b.name].dtype),
                             "shape": list(b.shape), "role": b.role} for b in resolved.buffers},
        **origin,
        "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "porter_version": __version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
    }


def run_launcher(binary: Path, resolved: ResolvedCase, inputs: dict, build_dir: Path,
                 wrapper: list[str] | None = None) -> dict[str, np.ndarray]:
    """Run a compiled launcher on one case: every buffer as the kernels left it. GoldenError on failure."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=build_dir) as folder:
        plan, output = Path(folder) / "plan.bin", Path(folder) / "output.bin"
        plan.write_bytes(encode_plan(resolved, inputs))
        _execute([*(wrapper or []), str(binary), str(plan), str(output)])
        try:
            return decode_output(output.read_bytes(), resolved, inputs)
        except (OSError, PlanFormatError) as error:
            raise GoldenError(f"bad launcher output: {error}") from None


def record_runs(spec: KernelSpec, run: Callable[[], dict[str, np.ndarray]]) -> tuple[dict, dict | None]:
    """The outputs of ``run()``; for a spec marked nondeterministic with ``compare = "repeat"``,
    run ``runs`` times: the first run's outputs and, per output buffer, the largest absolute
    difference any later run showed (the spread that widens the tolerance). Otherwise no spread."""
    first = run()
    rule = spec.nondeterministic
    if rule is None or rule.compare != "repeat":
        return first, None
    from porter.check.compare import as_float64

    spread = {b.name: 0.0 for b in spec.buffers if b.is_output}
    for _ in range(rule.runs - 1):
        again = run()
        for buffer in (b for b in spec.buffers if b.is_output):
            a = as_float64(first[buffer.name], buffer.dtype)
            b = as_float64(again[buffer.name], buffer.dtype)
            with np.errstate(invalid="ignore"):
                gap = np.where((a == b) | (np.isnan(a) & np.isnan(b)), 0.0, np.abs(a - b))
            spread[buffer.name] = max(spread[buffer.name], float(np.nan_to_num(gap, nan=np.inf).max(initial=0.0)))
    return first, spread


def _variant_name(case: ResolvedCase) -> str:
    import hashlib
    return hashlib.sha256(repr(build_key(case)).encode()).hexdigest()[:12]


def record_all(recorder: Recorder, specs: Iterable[KernelSpec], case_glob: str | None = None,
               jobs: int | None = None, on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Compile the launchers in parallel (format 2: one per distinct defines and template
    arguments), then run the selected cases one after another."""
    specs = [s for s in specs if selected_cases(s, case_glob)]
    workers = max(1, jobs or os.cpu_count() or 1)
    variants = [(spec, _build_case(spec, case)) for spec in specs for case in selected_cases(spec, case_glob)]
    keys = list(dict.fromkeys((spec.path, _key(spec, resolved)) for spec, resolved in variants))
    first = {}
    for spec, resolved in variants:
        first.setdefault((spec.path, _key(spec, resolved)), (spec, resolved))
    with ThreadPoolExecutor(workers) as pool:
        built = dict(zip(keys, pool.map(lambda key: _try_compile(recorder, *first[key]), keys)))
    outcomes = []
    for spec in specs:
        for case in selected_cases(spec, case_glob):
            build = built[(spec.path, _key(spec, _build_case(spec, case)))]
            if isinstance(build, GoldenError):
                outcome = Outcome(spec.name, case.name, "failed", build.message)
            else:
                outcome = recorder.record_case(spec, case, *build)
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return outcomes


def selected_cases(spec: KernelSpec, case_glob: str | None) -> list[CaseSpec]:
    """Cases whose name, or ``kernel/case``, matches the glob (all when there is none)."""
    if not case_glob:
        return list(spec.cases)
    return [c for c in spec.cases
            if fnmatch.fnmatchcase(c.name, case_glob) or fnmatch.fnmatchcase(f"{spec.name}/{c.name}", case_glob)]


def _build_case(spec: KernelSpec, case: CaseSpec) -> ResolvedCase | None:
    return resolve_case(spec, case) if spec.format == 2 else None


def _key(spec: KernelSpec, resolved: ResolvedCase | None) -> tuple:
    return build_key(resolved) if resolved is not None else ()


def _try_compile(recorder: Recorder, spec: KernelSpec, case: ResolvedCase | None = None) -> tuple[Path, str] | GoldenError:
    try:
        return recorder.compile(spec, case) if case is not None else recorder.compile(spec)
    except GoldenError as error:
        return error


def _execute(command: list[str]) -> None:
    try:
        result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise GoldenError(f"the launcher ran longer than {RUN_TIMEOUT_S} s") from None
    if result.returncode != 0:
        detail = (result.stderr.strip() or result.stdout.strip() or "no output")[-2000:]
        raise GoldenError(f"launcher exited with {result.returncode}: {detail}")


def _device_info(binary: Path) -> dict:
    """What the CUDA runtime says about the GPU (the launcher's --info)."""
    try:
        result = subprocess.run([str(binary), "--info"], check=False, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    pairs = (line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {f"runtime_{key}" if key == "name" else key: value for key, value in pairs}


def _check_run(spec: KernelSpec, resolved: ResolvedCase, inputs: dict, outputs: dict) -> None:
    for buffer in resolved.buffers:
        before, after = inputs[buffer.name], outputs[buffer.name]
        if buffer.role == "in" and before.tobytes() != after.tobytes():
            changed = int(np.count_nonzero(_bits(before) != _bits(after)))
            raise GoldenError(f"buffer {buffer.name!r} has role 'in' but the kernels changed "
                              f"{changed} of its elements; give it role 'inout'")
        if buffer.init.kind == "poison":
            never = _bits(after) == DTYPES[buffer.dtype].poison
            for start, stop in dict(resolved.undefined).get(buffer.name, ()):
                never[start:stop] = False  # declared undefined: the kernel may leave them
            left = int(np.count_nonzero(never))
            if left:
                raise GoldenError(f"buffer {buffer.name!r}: {left} of {after.size} elements were never "
                                  "written (they still hold the poison value)")


def _bits(values: np.ndarray) -> np.ndarray:
    return values.reshape(-1).view(np.dtype(f"u{values.itemsize}"))
