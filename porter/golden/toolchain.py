"""The CUDA toolchain and GPU of the recording machine: find them, describe them, compile with them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from porter.golden.errors import ToolchainError

NVCC_FLAGS = ("-O2", "-std=c++17")
#: Tried in order; the first that nvcc accepts is used. "{cc}" is the GPU's compute capability.
ARCH_CHOICES = ("native", "sm_{cc}", "sm_90")
COMPILE_TIMEOUT_S = 300


@dataclass(frozen=True)
class Gpu:
    name: str
    driver_version: str
    compute_capability: str  # "9.0"

    @property
    def sm(self) -> str:
        return self.compute_capability.replace(".", "")


@dataclass(frozen=True)
class Toolchain:
    nvcc: Path
    nvcc_version: str  # "13.0.88"


def find_nvcc(explicit: str | os.PathLike | None = None) -> Toolchain:
    candidates = [explicit] if explicit else _nvcc_candidates()
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Toolchain(Path(candidate), nvcc_version(Path(candidate)))
    if explicit:
        raise ToolchainError(f"nvcc not found at {explicit}", "pass the path of an nvcc executable")
    raise ToolchainError("no nvcc found (looked on PATH, in $CUDA_HOME/bin and /usr/local/cuda/bin)",
                         "install the CUDA toolkit or pass --nvcc PATH")


def _nvcc_candidates() -> list[str | None]:
    cuda_home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH")
    return [os.environ.get("NVCC"), shutil.which("nvcc"),
            str(Path(cuda_home) / "bin" / "nvcc") if cuda_home else None, "/usr/local/cuda/bin/nvcc"]


def nvcc_version(nvcc: Path) -> str:
    try:
        text = subprocess.run([str(nvcc), "--version"], check=False, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ToolchainError(f"cannot run {nvcc} --version: {error}") from None
    match = re.search(r"V(\d+\.\d+\.\d+)", text) or re.search(r"release (\d+\.\d+)", text)
    return match.group(1) if match else "unknown"


def find_gpu() -> Gpu:
    """The first GPU nvidia-smi reports; ToolchainError when there is none."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        raise ToolchainError("no NVIDIA GPU found (nvidia-smi is not on PATH)",
                             "record goldens on a machine with an NVIDIA GPU and its driver")
    query = [smi, "--query-gpu=name,driver_version,compute_cap", "--format=csv,noheader"]
    try:
        result = subprocess.run(query, check=False, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ToolchainError(f"nvidia-smi failed: {error}") from None
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 or not lines:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise ToolchainError(f"no NVIDIA GPU found (nvidia-smi: {detail[0] if detail else 'no output'})",
                             "record goldens on a machine with an NVIDIA GPU and its driver")
    fields = [field.strip() for field in lines[0].split(",")]
    return Gpu(fields[0], fields[1] if len(fields) > 1 else "unknown",
               fields[2] if len(fields) > 2 else "unknown")


def find_sanitizer(toolchain: Toolchain) -> Path:
    beside = toolchain.nvcc.parent / "compute-sanitizer"
    found = str(beside) if beside.exists() else shutil.which("compute-sanitizer")
    if found is None:
        raise ToolchainError("compute-sanitizer not found", "it ships with the CUDA toolkit, beside nvcc")
    return Path(found)


def compile_program(toolchain: Toolchain, source: Path, output: Path, gpu: Gpu | None,
                    extra_flags: tuple[str, ...] = ()) -> str:
    """Compile ``source`` into the executable ``output``; return the -arch value that worked."""
    errors = []
    for choice in ARCH_CHOICES:
        if "{cc}" in choice and (gpu is None or not gpu.sm.isdigit()):
            continue
        arch = choice.format(cc=gpu.sm if gpu else "")
        command = [str(toolchain.nvcc), *NVCC_FLAGS, *extra_flags, f"-arch={arch}", "-o", str(output), str(source)]
        result = _run_compiler(command)
        if result.returncode == 0:
            return arch
        errors.append(result.stderr.strip())
        if "arch" not in result.stderr and "GPU" not in result.stderr:
            break  # a real compile error: other architectures will not help
    raise ToolchainError(f"nvcc failed on {source}:\n{errors[-1]}")


def compile_object(toolchain: Toolchain, source: Path, output: Path, arch: str = "sm_90") -> None:
    """``nvcc -c``: the check that a launcher compiles, on machines without a GPU."""
    command = [str(toolchain.nvcc), *NVCC_FLAGS, f"-arch={arch}", "-c", "-o", str(output), str(source)]
    result = _run_compiler(command)
    if result.returncode != 0:
        raise ToolchainError(f"nvcc failed on {source}:\n{result.stderr.strip()}")


def _run_compiler(command: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, check=False, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"nvcc took longer than {COMPILE_TIMEOUT_S} s: {' '.join(command)}") from None
    except OSError as error:
        raise ToolchainError(f"cannot run {command[0]}: {error.strerror}") from None
