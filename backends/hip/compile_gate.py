"""The AMD compile gate: does HIP code compile with hipcc for a given GPU architecture? No GPU needed.

Debian 12's HIP 5.2 ships device libraries (the ROCm bitcode hipcc links into each kernel) only
for the GPUs ROCm 5.2 knew; gfx1100 is not among them. For such an architecture the gate compiles
with ``-nogpulib -fgpu-rdc``: the whole front end and code generation for that GPU run, and only
the final link against the device library is left out.

:func:`compile_file` compiles a file where it lives (a port inside ``porter port``'s output tree
finds the ported headers beside it); :func:`compile_check` compiles text in a scratch folder.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_BITCODE_DIRS = ("/usr/lib/x86_64-linux-gnu/amdgcn/bitcode", "/usr/lib/amdgcn/bitcode",
                 "/opt/rocm/amdgcn/bitcode", "/opt/rocm/lib/llvm/lib/clang/*/lib/amdgcn/bitcode")
_MISSING_HEADER = re.compile(r"fatal error: '([^']+)' file not found")
_HIP_VERSION = re.compile(r"HIP version:\s*(\d+)\.(\d+)")


@dataclass(frozen=True)
class GateResult:
    arch: str
    ok: bool
    command: tuple[str, ...]
    output: str
    missing_header: str | None = None  # a header this machine does not have (e.g. hipblas/hipblas.h)

    @property
    def first_error(self) -> str:
        return next((line for line in self.output.splitlines() if "error" in line), self.output[:200])


def find_hipcc() -> str | None:
    return shutil.which("hipcc") or (str(Path("/opt/rocm/bin/hipcc")) if Path("/opt/rocm/bin/hipcc").exists()
                                     else None)


@cache
def device_library_arches() -> frozenset[str]:
    """The gfx targets this machine's ROCm device library has bitcode for."""
    found = set()
    for pattern in _BITCODE_DIRS:
        for folder in glob.glob(pattern):
            for path in glob.glob(os.path.join(folder, "oclc_isa_version_*.bc")):
                found.add("gfx" + Path(path).stem.rsplit("_", 1)[-1])
    return frozenset(found)


def gate_command(hipcc: str, arch: str, source: Path, output: Path) -> list[str]:
    command = [hipcc, f"--offload-arch={arch}", "-x", "hip", "-std=c++17", "-c", str(source), "-o", str(output)]
    if arch not in device_library_arches():
        command[2:2] = ["-nogpulib", "-fgpu-rdc"]
    return command


def compile_check(code: str, arch: str, *, hipcc: str | None = None, name: str = "port.hip",
                  include_dirs: Sequence[str | os.PathLike] = (), timeout: float = 300) -> GateResult:
    """Compile ``code`` for ``arch`` (object file only) and say whether it worked.

    The code is written to a scratch folder, so its quoted includes are found only through
    ``include_dirs``; to check a file that has headers beside it, use :func:`compile_file`.
    """
    with tempfile.TemporaryDirectory(prefix="porter-gate-") as folder:
        source = Path(folder) / name
        source.write_text(code, encoding="utf-8")
        return _compile(source, arch, hipcc, include_dirs, timeout, folder)


def compile_file(path: str | os.PathLike, arch: str, *, hipcc: str | None = None,
                 include_dirs: Sequence[str | os.PathLike] = (), timeout: float = 300) -> GateResult:
    """Compile the file at ``path`` where it lives, so that ``#include "x.cuh"`` finds the header
    beside it first, then ``include_dirs`` in order; the object file goes to a scratch folder."""
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="porter-gate-") as folder:
        return _compile(path, arch, hipcc, include_dirs, timeout, folder)


def _compile(source: Path, arch: str, hipcc: str | None, include_dirs: Sequence[str | os.PathLike],
             timeout: float, folder: str) -> GateResult:
    compiler = hipcc or find_hipcc()
    if compiler is None:
        raise FileNotFoundError("hipcc not found: install it (Debian: apt-get install -y hipcc libamdhip64-dev)")
    command = gate_command(compiler, arch, source, Path(folder) / "port.o")
    command[1:1] = [f"-I{os.fspath(d)}" for d in include_dirs]
    environment = {**os.environ, "HIP_PLATFORM": "amd"}
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment,
                                   cwd=source.parent)
    except subprocess.TimeoutExpired:
        return GateResult(arch, False, tuple(command), f"hipcc timed out after {timeout} s")
    output = (completed.stdout + completed.stderr).replace(folder + "/", "")
    missing = _MISSING_HEADER.search(output)
    return GateResult(arch, completed.returncode == 0, tuple(command), output,
                      missing.group(1) if missing else None)


def hip_version_of(text: str) -> str | None:
    """'5.2' from `hipcc --version` output ("HIP version: 5.2.21153-0")."""
    match = _HIP_VERSION.search(text)
    return f"{match.group(1)}.{match.group(2)}" if match else None


@cache
def installed_hip_version() -> str | None:
    """MAJOR.MINOR of the hipcc found here, or None without a hipcc that answers."""
    compiler = find_hipcc()
    if compiler is None:
        return None
    try:
        completed = subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=30,
                                   env={**os.environ, "HIP_PLATFORM": "amd"}, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return hip_version_of(completed.stdout + completed.stderr) if completed.returncode == 0 else None
