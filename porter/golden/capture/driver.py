"""Run a program under the capture shim: build the shim, check the program can be interposed, run.

The shim (``shim.c``, package data) is compiled here with the system C compiler (``$CC``, else
``cc``/``gcc``/``clang``) into the capture folder. A program linked with a static CUDA runtime
(nvcc's default) calls no exported runtime function the shim could replace: that is an error,
P0131, with the rebuild to use (``nvcc -cudart shared``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from porter.golden.capture.errors import CaptureError, CaptureToolchainError
from porter.golden.capture.sources import Kernel, signature_lines

COMPILERS = ("cc", "gcc", "clang")
SHIM_TIMEOUT_S = 120


@dataclass(frozen=True)
class Sampling:
    kernels: tuple[str, ...] = ()  # globs of kernel names; empty: every kernel
    launches: int = 1  # first N sampled launches per kernel
    every: int = 1  # sample every k-th launch of a kernel
    max_bytes: int = 1 << 30  # stop capturing once the dumps reach this many bytes


def build_shim(folder: Path) -> Path:
    """Compile the shim into ``folder``; return the shared library."""
    compiler = os.environ.get("CC") or next((c for c in COMPILERS if shutil.which(c)), None)
    if compiler is None or not shutil.which(compiler.split()[0]):
        raise CaptureToolchainError("P0130", "no C compiler to build the capture shim with",
                                    "install gcc (apt-get install gcc) or set CC")
    source = resources.files("porter.golden.capture").joinpath("shim.c")
    library = folder / "porter_capture_shim.so"
    with resources.as_file(source) as path:
        command = [*compiler.split(), "-shared", "-fPIC", "-O2", "-o", str(library), str(path), "-ldl", "-lpthread"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=SHIM_TIMEOUT_S)
    if result.returncode:
        raise CaptureToolchainError("P0130", f"the capture shim did not compile:\n{result.stderr.strip()}",
                                    "the shim needs a C compiler with dlfcn.h and pthread.h")
    return library


def runtime_library(program: Path) -> str:
    """The shared CUDA runtime ``program`` loads (from ``ldd``); P0131 when it has none."""
    ldd = shutil.which("ldd")
    if ldd is None:
        raise CaptureError("P0131", "ldd is missing: cannot tell whether the program uses a shared CUDA runtime")
    result = subprocess.run([ldd, str(program)], capture_output=True, text=True, timeout=60)
    for line in result.stdout.splitlines():
        if "libcudart.so" in line:
            if "not found" in line:
                needed = line.split("=>")[0].strip()
                raise CaptureError("P0132", f"{program} needs {needed}, which the loader cannot find",
                                   "add the CUDA runtime's folder to LD_LIBRARY_PATH (e.g. /usr/local/cuda/lib64)")
            return line.split("=>")[-1].split("(")[0].strip() or line.strip()
    raise CaptureError("P0131", f"{program} does not load libcudart.so: it links the CUDA runtime statically "
                                "(nvcc's default) or uses none, so the shim can see no launch",
                       "rebuild it with `nvcc -cudart shared` (or CMake's CUDA_RUNTIME_LIBRARY Shared)")


def run_program(program: Path, args: list[str], kernels: dict[str, Kernel], sampling: Sampling,
                folder: Path, cwd: Path | None = None, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ``program args`` with the shim preloaded, writing ``folder/index.jsonl`` and ``folder/blobs``."""
    (folder / "blobs").mkdir(parents=True, exist_ok=True)
    signatures = folder / "signatures.txt"
    signatures.write_text(signature_lines(kernels))
    shim = build_shim(folder)
    env = dict(os.environ)
    preload = " ".join(p for p in (str(shim), env.get("LD_PRELOAD", "")) if p)
    env.update(LD_PRELOAD=preload, PORTER_CAPTURE_DIR=str(folder.resolve()),
               PORTER_CAPTURE_SIGNATURES=str(signatures.resolve()),
               PORTER_CAPTURE_KERNELS=",".join(sampling.kernels), PORTER_CAPTURE_LAUNCHES=str(sampling.launches),
               PORTER_CAPTURE_EVERY=str(sampling.every), PORTER_CAPTURE_MAX_BYTES=str(sampling.max_bytes))
    try:
        result = subprocess.run([str(program), *args], env=env, cwd=cwd, capture_output=True, text=True,
                                timeout=timeout)
    except FileNotFoundError:
        raise CaptureError("P0132", f"cannot run {program}: no such program") from None
    except subprocess.TimeoutExpired:
        raise CaptureError("P0132", f"{program} ran past {timeout} s under capture",
                           "capture fewer launches (--launches, --every) or a smaller input") from None
    (folder / "program.stdout").write_text(result.stdout)
    (folder / "program.stderr").write_text(result.stderr)
    if result.returncode:
        tail = (result.stderr or result.stdout).strip()[-2000:]
        raise CaptureError("P0132", f"{program} exited with status {result.returncode} under capture:\n{tail}",
                           f"its output is in {folder}/program.stdout and program.stderr")
    if not (folder / "index.jsonl").is_file():
        raise CaptureError("P0132", f"{program} ran, but the capture shim wrote nothing",
                           "the program must load libcudart.so dynamically and launch with cudaLaunchKernel")
    return result
