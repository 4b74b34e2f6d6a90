"""The HIP backend's checks for one golden kernel.

* compile: the HIP port (``--hip-version 5.2``, Debian's HIP) compiles with hipcc for gfx90a
  (64-lane) and gfx1100 (32-lane) -- the AMD compile gate, no GPU needed;
* run: on an NVIDIA GPU, the 32-lane port (gfx1100) is compiled with nvcc against porter's
  HIP-to-CUDA headers (backends/hip/nvidia), launched on the golden inputs, and compared with the
  golden outputs. A 64-lane port bakes 64 into constants and cannot run on a 32-lane GPU.

Ports are made with the spec's launches (``launches``: each case's kernel and block), which the
kernel file itself does not show: the 64-lane rewrite of warp-level code depends on the block
width (rows of 32 threads keep 32-lane groups), so the port checked is the one for the real launch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import porter
import porter.backends.hip
from porter.backends.hip.compile_gate import compile_check
from porter.check.compare import compare_golden, poison_left
from porter.check.machine import Machine
from porter.check.workers import first_error
from porter.check.records import FAIL, PASS, UNAVAILABLE, UNSUPPORTED, CheckRecord
from porter.golden.errors import GoldenError
from porter.golden.launcher import generate_launcher
from porter.golden.model import KernelSpec
from porter.golden.record import run_launcher
from porter.golden.program import bind_device
from porter.golden.resolve import resolve_case
from porter.golden.toolchain import compile_program

HIP_VERSION = "5.2"
GATE_ARCHES = ("gfx90a", "gfx1100")
RUN_ARCH = "gfx1100"
NVIDIA_HEADERS = Path(porter.backends.hip.__file__).resolve().parent / "nvidia" / "include"


class HipChecker:
    name = "hip"

    def __init__(self, machine: Machine, edit_port: Callable[[str], str] | None = None):
        self.machine = machine
        self.edit_port = edit_port  # tests only: change the port before it runs (a wrong port must fail)

    def check_kernel(self, spec: KernelSpec, cases: list) -> list[CheckRecord]:
        """``cases``: (CaseSpec, Golden) pairs, goldens already known to be fresh."""
        launches = spec_launches(spec, [case for case, _ in cases])
        ports = {arch: self.machine.translate(spec.source, "hip", hip_version=HIP_VERSION, offload_arch=arch,
                                              launches=launches)
                 for arch in GATE_ARCHES}
        with ThreadPoolExecutor(len(ports)) as pool:
            gates = dict(zip(ports, pool.map(lambda arch: self._gate(ports[arch], arch), ports)))
        records: list[CheckRecord] = []
        for arch in ports:
            records += self._for_cases(spec, cases, f"compile {arch}", *gates[arch])
        run_port = ports[RUN_ARCH]
        if run_port.errors:
            return records + self._for_cases(spec, cases, "run", UNSUPPORTED, first_error(run_port))
        code = self.edit_port(run_port.code) if self.edit_port else run_port.code
        return records + self._run(spec, cases, code)

    def _gate(self, port, arch: str) -> tuple[str, str]:
        if port.errors:
            return UNSUPPORTED, first_error(port)
        if self.machine.hipcc is None:
            return UNAVAILABLE, self.machine.missing["hipcc"]
        project = getattr(port.source.project, "include_dirs", ())  # the -I folders the port was made with
        result = compile_check(port.code, arch, hipcc=self.machine.hipcc, name=port.source.path.name,
                               include_dirs=(port.source.path.parent, *project))
        if result.ok:
            return PASS, "compiles" + (" (-nogpulib -fgpu-rdc)" if "-nogpulib" in result.command else "")
        if result.missing_header:
            return UNAVAILABLE, f"this machine lacks <{result.missing_header}>"
        return FAIL, result.first_error

    def _run(self, spec: KernelSpec, cases: list, code: str) -> list[CheckRecord]:
        if self.machine.nvcc is None or self.machine.gpu is None:
            why = self.machine.missing.get("nvcc") or self.machine.missing.get("gpu")
            return self._for_cases(spec, cases, "run", UNAVAILABLE, why)
        label = f"run {self.machine.gpu.name}"
        folder = self.machine.build_dir / "hip" / spec.name
        folder.mkdir(parents=True, exist_ok=True)
        port_file = folder / spec.source.name
        port_file.write_text(code)
        launcher = folder / "launcher.cu"
        launcher.write_text(generate_launcher(spec, include=str(port_file)))
        binary = folder / "launcher"
        try:
            compile_program(self.machine.nvcc, launcher, binary, self.machine.gpu, ("-I", str(NVIDIA_HEADERS)))
        except GoldenError as error:
            return self._for_cases(spec, cases, label, FAIL, "nvcc: " + error.message[-500:])
        return [self._run_case(spec, case, golden, binary, label) for case, golden in cases]

    def _run_case(self, spec: KernelSpec, case, golden, binary: Path, label: str) -> CheckRecord:
        started = time.perf_counter()
        name = f"{spec.name}/{case.name}"
        try:
            resolved = bind_device(resolve_case(spec, case), golden.provenance.get("sm_count"))
            outputs = run_launcher(binary, resolved, golden.inputs, self.machine.build_dir)
        except GoldenError as error:
            return CheckRecord(name, self.name, label, FAIL, error.message[-500:], seconds=_since(started))
        unwritten = poison_left(spec, outputs)
        comparison = compare_golden(spec, case, golden, outputs)
        status = PASS if comparison.ok and not unwritten else FAIL
        detail = "; ".join(d for d in (unwritten, comparison.detail) if d)
        return CheckRecord(name, self.name, label, status, detail, comparison.max_abs_err,
                           comparison.max_rel_err, _since(started))

    def _for_cases(self, spec: KernelSpec, cases: list, check: str, status: str, detail: str) -> list[CheckRecord]:
        return [CheckRecord(f"{spec.name}/{case.name}", self.name, check, status, detail) for case, _ in cases]


def spec_launches(spec: KernelSpec, cases: list) -> tuple[str, ...]:
    """``KERNEL=BX,BY,BZ`` for every launch of every case (the HIP option ``launches``)."""
    found: dict[str, None] = {}
    for case in cases:
        for launch in resolve_case(spec, case).launches:
            found.setdefault(f"{launch.kernel.split('<', 1)[0].strip()}={','.join(map(str, launch.block))}")
    return tuple(found)


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 4)
