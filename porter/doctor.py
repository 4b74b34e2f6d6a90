"""What this machine has for porter: toolchains, Python packages, GPUs, and the checks they allow.

:func:`diagnose` never raises for a missing, broken or hanging tool: every subprocess runs with a
timeout, and a probe that fails says why in its ``detail``. Python packages are found through
``importlib.metadata`` (nothing heavy is imported).

The JSON form (``porter doctor --format json``) has these keys::

    porter    porter's version            python, platform   the interpreter and the OS
    tools     name -> {found, version, path, detail}
              (hipcc, nvcc, libclang, torch_hipify_tables, bwrap, nvidia-smi, rocm-smi)
    packages  name -> {found, version, path, detail}
              (torch, triton, jax, jaxlib, jax_cuda_plugin, nki)
    hip_gate  gfx arch -> {ok, flags, detail, seconds}; flags holds "-nogpulib -fgpu-rdc" where
              this HIP has no device library bitcode for the arch (gfx1100 on Debian's HIP 5.2)
    gpus      [{vendor, name}]
    checks    [{name, available, detail}]: the checks that can run here; "llm candidate sandbox"
              says whether bubblewrap can confine model-written code (porter optimize refuses
              without it unless --unconfined)
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: Seconds a ``--version`` style command may take; a compile gate gets GATE_TIMEOUT.
TIMEOUT = 15.0
GATE_TIMEOUT = 120.0
#: The architectures the HIP compile gate is tried for: wave64 CDNA and wave32 RDNA.
GATE_ARCHES = ("gfx90a", "gfx1100")
_GATE_KERNEL = ("#include <hip/hip_runtime.h>\n"
                "__global__ void porter_doctor(float* x) { x[threadIdx.x] = __shfl_xor(x[threadIdx.x], 1); }\n")
#: Where tools live when they are not on PATH.
_TOOL_FALLBACKS = {"hipcc": ("/opt/rocm/bin/hipcc",), "nvcc": ("/usr/local/cuda/bin/nvcc",),
                   "nvidia-smi": ("/usr/bin/nvidia-smi",), "rocm-smi": ("/opt/rocm/bin/rocm-smi",)}


@dataclass(frozen=True)
class Probe:
    found: bool
    version: str | None = None
    path: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Check:
    name: str
    available: bool
    detail: str


def find_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    return next((path for path in _TOOL_FALLBACKS.get(name, ()) if os.access(path, os.X_OK)), None)


def run_tool(command: list[str], *, timeout: float | None = None,
             env: dict[str, str] | None = None) -> tuple[int | None, str]:
    """(exit code, output) of ``command``; the code is None when it could not run or timed out.

    The command runs in its own session, so that a timeout kills what it started too (hipcc is a
    script that runs clang).
    """
    timeout = TIMEOUT if timeout is None else timeout
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, **(env or {})}, start_new_session=True)
    except OSError as error:
        return None, f"`{command[0]}` could not run: {error.strerror or error}"
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_session(process)
        return None, f"`{' '.join(command)}` did not answer within {timeout:g} s"
    return process.returncode, output.decode("utf-8", "replace").strip()


def _kill_session(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    process.communicate()


# --- probes ----------------------------------------------------------------------------------


def probe_hipcc() -> Probe:
    path = find_tool("hipcc")
    if path is None:
        return Probe(False, detail="not installed (Debian: apt-get install -y hipcc libamdhip64-dev)")
    # Without HIP_PLATFORM=amd, hipcc on a machine that also has nvcc answers for the NVIDIA platform.
    code, output = run_tool([path, "--version"], env={"HIP_PLATFORM": "amd"})
    if code is None:
        return Probe(False, path=path, detail=output)
    match = re.search(r"HIP version:\s*(\S+)", output)
    clang = re.search(r"clang version\s*(\S+)", output)
    detail = "; ".join(part for part in (f"clang {clang.group(1)}" if clang else "", _auto_version(output)) if part) or None
    if code != 0 or match is None:
        return Probe(False, path=path, detail=f"`hipcc --version` failed: {_first_line(output)}")
    return Probe(True, match.group(1), path, detail)


def _auto_version(output: str) -> str:
    from porter.backends.hip.compile_gate import hip_version_of

    version = hip_version_of(output)
    return f"--hip-version auto = {version}" if version else ""


def probe_hip_gate(hipcc: str, arch: str, *, timeout: float | None = None) -> dict[str, Any]:
    """Compile a small kernel for ``arch`` the way porter's compile gate does."""
    from porter.backends.hip.compile_gate import compile_check

    started = time.perf_counter()
    try:
        result = compile_check(_GATE_KERNEL, arch, hipcc=hipcc, name="doctor.hip",
                                timeout=GATE_TIMEOUT if timeout is None else timeout)
    except Exception as error:  # noqa: BLE001 - doctor reports, it does not crash
        return {"ok": False, "flags": [], "detail": f"{type(error).__name__}: {error}", "seconds": 0.0}
    flags = [flag for flag in ("-nogpulib", "-fgpu-rdc") if flag in result.command]
    if result.ok:
        detail = "compiles"
        if flags:
            detail += (f" with {' '.join(flags)} (this HIP has no {arch} device-library bitcode: code generation "
                       "is checked, the device-library link is not)")
    else:
        detail = _first_line(result.first_error)
    return {"ok": result.ok, "flags": flags, "detail": detail, "seconds": round(time.perf_counter() - started, 2)}


def probe_nvcc() -> Probe:
    path = find_tool("nvcc")
    if path is None:
        return Probe(False, detail="not installed")
    code, output = run_tool([path, "--version"])
    match = re.search(r"release\s+([\d.]+),\s*V(\S+)", output)
    if code != 0 or match is None:
        return Probe(False, path=path, detail=f"`nvcc --version` failed: {_first_line(output)}")
    return Probe(True, match.group(2), path)


def probe_package(*names: str) -> Probe:
    """The first of ``names`` that is installed, by its distribution metadata (no import)."""
    for name in names:
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        return Probe(True, distribution.version, str(distribution.locate_file("")),
                     f"as {name}" if len(names) > 1 else None)
    return Probe(False, detail="not installed")


def probe_libclang() -> Probe:
    package = probe_package("libclang")
    if not package.found:
        return Probe(False, detail="not installed (pip install libclang; the IR frontend needs it)")
    files = importlib.metadata.distribution("libclang").files or []
    library = next((f for f in files if re.search(r"libclang[^/]*\.(so|dylib|dll)", str(f))), None)
    if library is None:
        return Probe(False, package.version, detail="the libclang wheel has no shared library")
    path = Path(library.locate())
    return Probe(path.is_file(), package.version, str(path), None if path.is_file() else "library file missing")


def probe_hip_tables() -> Probe:
    from porter.backends.hip.tables import TablesUnavailable, torch_mapping_file

    try:
        path = torch_mapping_file()
    except TablesUnavailable as error:
        return Probe(False, detail=str(error))
    except Exception as error:  # noqa: BLE001 - e.g. a broken torch install
        return Probe(False, detail=f"{type(error).__name__}: {error}")
    return Probe(True, probe_package("torch").version, str(path))


def probe_gpus() -> tuple[list[dict[str, str]], dict[str, Probe]]:
    """GPUs from nvidia-smi and rocm-smi, and what each tool said."""
    gpus: list[dict[str, str]] = []
    tools: dict[str, Probe] = {}
    nvidia_smi = find_tool("nvidia-smi")
    if nvidia_smi is None:
        tools["nvidia-smi"] = Probe(False, detail="not installed")
    else:
        code, output = run_tool([nvidia_smi, "-L"])
        names = re.findall(r"^GPU \d+: (.+?)(?: \(UUID.*)?$", output, re.MULTILINE) if code == 0 else []
        gpus += [{"vendor": "nvidia", "name": name} for name in names]
        tools["nvidia-smi"] = Probe(code == 0, path=nvidia_smi,
                                    detail=f"{len(names)} GPU(s)" if code == 0 else _first_line(output))
    rocm_smi = find_tool("rocm-smi")
    if rocm_smi is None:
        tools["rocm-smi"] = Probe(False, detail="not installed")
    else:
        code, output = run_tool([rocm_smi, "--showproductname"])
        names = re.findall(r"Card [Ss]eries:\s*(.+)$", output, re.MULTILINE) if code == 0 else []
        gpus += [{"vendor": "amd", "name": name.strip()} for name in names]
        tools["rocm-smi"] = Probe(code == 0, path=rocm_smi,
                                  detail=f"{len(names)} GPU(s)" if code == 0 else _first_line(output))
    return gpus, tools


# --- the report --------------------------------------------------------------------------------


def probe_sandbox() -> tuple[Probe, Check]:
    """bubblewrap, and whether it can make the sandbox LLM candidates run in (it is tried once)."""
    from porter.llm.sandbox import probe

    status = probe()
    tool = Probe(status.path is not None, status.version, status.path, None if status.ok else status.detail)
    return tool, Check("llm candidate sandbox", status.ok, status.describe())


def diagnose(*, gate: bool = True) -> dict[str, Any]:
    """Everything ``porter doctor`` reports, as JSON-ready data (see the module docstring)."""
    from porter import __version__

    with ThreadPoolExecutor(4) as pool:  # the probes wait on subprocesses; run them side by side
        hipcc_future = pool.submit(probe_hipcc)
        nvcc_future = pool.submit(probe_nvcc)
        gpus_future = pool.submit(probe_gpus)
        sandbox_future = pool.submit(probe_sandbox)
        hipcc = hipcc_future.result()
        gate_futures = {arch: pool.submit(probe_hip_gate, hipcc.path, arch)
                        for arch in GATE_ARCHES if gate and hipcc.found}
        tools = {"hipcc": hipcc, "nvcc": nvcc_future.result(), "libclang": probe_libclang(),
                 "torch_hipify_tables": probe_hip_tables()}
        gpus, gpu_tools = gpus_future.result()
        tools.update(gpu_tools)
        tools["bwrap"], sandbox = sandbox_future.result()
        hip_gate = {arch: future.result() for arch, future in gate_futures.items()}
    packages = {"torch": probe_package("torch"), "triton": probe_package("triton"), "jax": probe_package("jax"),
                "jaxlib": probe_package("jaxlib"),
                "jax_cuda_plugin": probe_package("jax-cuda13-plugin", "jax-cuda12-plugin"),
                "nki": probe_package("nki")}
    report = {
        "porter": __version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "tools": {name: asdict(probe) for name, probe in tools.items()},
        "packages": {name: asdict(probe) for name, probe in packages.items()},
        "hip_gate": hip_gate,
        "gpus": gpus,
    }
    report["checks"] = [asdict(check) for check in available_checks(tools, packages, hip_gate, gpus, gate)]
    report["checks"].append(asdict(sandbox))
    return report


def available_checks(tools: dict[str, Probe], packages: dict[str, Probe], hip_gate: dict[str, dict],
                     gpus: list[dict[str, str]], gate: bool = True) -> list[Check]:
    nvidia = [g for g in gpus if g["vendor"] == "nvidia"]
    any_gpu = bool(gpus)
    checks = [Check("hip translation", tools["torch_hipify_tables"].found,
                    "PyTorch's hipify tables found" if tools["torch_hipify_tables"].found
                    else "needs PyTorch's hipify tables: pip install 'porter[hip]'")]
    passing = [arch for arch, result in hip_gate.items() if result["ok"]]
    if not tools["hipcc"].found:
        gate_detail = "needs hipcc: " + (tools["hipcc"].detail or "not found")
    elif not gate:
        gate_detail = "hipcc found; compile not tried (--no-gate)"
    else:
        gate_detail = "; ".join(f"{arch}: {'ok' if r['ok'] else 'fails'}"
                                f"{' (' + ' '.join(r['flags']) + ')' if r['flags'] else ''}"
                                for arch, r in hip_gate.items())
    checks.append(Check("hip compile gate", bool(passing) or (not gate and tools["hipcc"].found), gate_detail))
    backends, hip_on_nvidia = porter_parts()
    checks.append(_needs("hip run on NVIDIA GPU", [("porter's HIP-on-NVIDIA headers (backends/hip/nvidia)", hip_on_nvidia),
                                                   ("nvcc", tools["nvcc"].found), ("an NVIDIA GPU", bool(nvidia))]))
    triton = [("porter's triton backend (not built yet)", "triton" in backends),
              ("triton", packages["triton"].found), ("torch", packages["torch"].found)]
    checks.append(_needs("triton interpreter", triton, "TRITON_INTERPRET=1, on the CPU"))
    checks.append(_needs("triton GPU", triton + [("a GPU", any_gpu)]))
    pallas = [("porter's pallas backend (not built yet)", "pallas" in backends),
              ("jax", packages["jax"].found), ("jaxlib", packages["jaxlib"].found)]
    checks.append(_needs("pallas interpreter", pallas, "interpret=True, on the CPU"))
    checks.append(_needs("pallas GPU", pallas + [("a jax CUDA plugin", packages["jax_cuda_plugin"].found),
                                                 ("an NVIDIA GPU", bool(nvidia))]))
    nki = packages["nki"]
    installed = f" (an `nki` {nki.version} is installed; PyPI's is a placeholder without the simulator)"
    checks.append(_needs("nki (porter's model)", [("porter's nki backend (not built yet)", "nki" in backends)],
                         "porter's model only" + (installed if nki.found else "")))
    return checks


def porter_parts() -> tuple[set[str], bool]:
    """porter's own pieces a check needs: its backends, and the header that runs HIP on NVIDIA."""
    from porter.backends.base import available_backends
    from porter.check.hip import NVIDIA_HEADERS

    hip_on_nvidia = (NVIDIA_HEADERS / "hip" / "hip_runtime.h").is_file()
    return set(available_backends()), hip_on_nvidia


def _needs(name: str, requirements: list[tuple[str, bool]], how: str = "") -> Check:
    missing = [what for what, found in requirements if not found]
    if missing:
        return Check(name, False, "needs " + ", ".join(missing))
    return Check(name, True, how or "all requirements found")


def _first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "no output")
    return line[:200]


__all__ = ["GATE_ARCHES", "Check", "Probe", "available_checks", "diagnose", "find_tool", "run_tool"]
