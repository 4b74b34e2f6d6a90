"""Run a CUDA kernel file's real semantics on the CPU (see :mod:`porter.reference` for what for).

This module compiles the kernel file as C++20 with ``g++`` against ``cuda_shim.h`` (package data
beside this file: CUDA's built-ins, half types, atomics, warp shuffles and a fiber scheduler that
runs the threads of each block) and runs it.

What it reuses from porter, so that it runs a case exactly as a GPU recording does:

* the inputs: :func:`porter.golden.resolve_case` and :func:`porter.golden.make_inputs`;
* the launcher: :func:`porter.golden.launcher.generate_launcher` (argument casts, plan reading,
  buffer copies), with each ``kernel<<<grid, block, shared>>>(args)`` line turned into a call of
  the shim's ``porter_ref::launch(grid, block, shared, kernel, args)``;
* the binary plan and output formats of :mod:`porter.golden.plan`.

Two textual rewrites of the kernel file, both keeping its line numbers so that g++'s messages point
at the right line: ``extern __shared__ T name[];`` becomes a pointer to the launch's dynamic shared
memory, and nothing else. (``__shared__`` itself is the macro ``static``: blocks run one after
another, so a function-local static is per-block shared memory.)

Outcomes other than outputs are exceptions, all :class:`ReferenceError`:

* :class:`ReferenceRejected`: g++ rejects the source (the mutant is not valid C++, or no longer
  takes the spec's arguments); carries g++'s first error line;
* :class:`ReferenceUnsupported`: the kernel uses something the shim cannot run (inline PTX, a
  CUDA header or built-in the shim lacks);
* :class:`ReferenceTimeout`: the build or the run took longer than allowed (an endless loop);
* :class:`ReferenceFault`: the run stopped: an access outside a buffer or past the end of dynamic
  shared memory, a deadlock at a barrier, an integer division by zero, a crash; or the kernel has
  no one answer: every case runs twice, the second time with other bytes in the padding around
  each buffer (the shim checks it for writes) and the blocks and threads in reverse order, and
  outputs that differ beyond the spec's tolerances mean a read outside a buffer or a data race.

Compiled launchers are cached by the sha256 of everything that goes into them, under
``$TMPDIR/porter-reference-UID`` (``PORTER_REFERENCE_CACHE`` overrides), rejections included.

Known differences from a GPU, all inside porter's tolerances for the golden kernels: libm's
``expf``/``logf``/... instead of CUDA's (both within 2 ulp), no FMA contraction, no excess
parallelism (threads of a block run in order between barriers; a data race that changes the
outputs shows as a difference between the forward and the reverse run, a ReferenceFault), C++ float-to-int casts of NaN or out-of-range values (x86 gives INT_MIN,
the GPU saturates; the ``__float2int_*`` intrinsics saturate like the GPU).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from porter.check.compare import compare_outputs
from porter.golden.inputs import make_inputs
from porter.golden.launcher import generate_launcher
from porter.golden.model import CaseSpec, KernelSpec, ResolvedCase
from porter.golden.program import bind_device
from porter.golden.plan import PlanFormatError, decode_output, encode_plan
from porter.golden.resolve import resolve_case

SHIM = Path(__file__).with_name("cuda_shim.h")
HIP_SHIM = Path(__file__).with_name("hip_shim.h")
GXX = os.environ.get("PORTER_REFERENCE_CXX", "/usr/bin/g++")
# -fwrapv and -fno-strict-aliasing: signed overflow wraps and reinterpret_casts (float4 loads)
# work, as on the GPU; ISO mode (not gnu++20) keeps a*b+c unfused.
GXX_FLAGS = ("-std=c++20", "-O1", "-fwrapv", "-fno-strict-aliasing", "-fmax-errors=3", "-w")
#: Headers a kernel file may include: all of them are the shim.
CUDA_HEADERS = ("cuda_runtime.h", "cuda.h", "cuda_fp16.h", "cuda_bf16.h", "device_launch_parameters.h",
                "cuda_runtime_api.h", "math_constants.h")
#: Headers a HIP port may include: all of them are hip_shim.h (which includes cuda_shim.h).
HIP_HEADERS = ("hip/hip_runtime.h", "hip/hip_runtime_api.h", "hip/hip_fp16.h", "hip/hip_bf16.h", "hip/hip_bfloat16.h",
               "hip/hip_cooperative_groups.h", "hip/math_functions.h")
DIALECTS = ("cuda", "hip")
COMPILE_TIMEOUT_S = 120.0
MEMORY_LIMIT_BYTES = 8 << 30  # address space of a run: endless allocations fail instead of swapping
EXIT_FAULT, EXIT_DEADLOCK, EXIT_UNSUPPORTED = 71, 72, 73  # the shim's porter_ref::Exit
#: (padding byte, thread order) of the two runs of each case: the shim fills what lies around each
#: buffer with $PORTER_REFERENCE_PADDING and runs blocks and threads in $PORTER_REFERENCE_ORDER;
#: outputs that differ (beyond the spec's tolerances) mean the kernel has no one answer.
SECOND_OPINION = ((0x00, "forward"), (0xFF, "reverse"))
#: The multiprocessor count a grid of ``sm_count`` gets on the CPU (blocks run one by one anyway).
REFERENCE_SM_COUNT = 4

LAUNCH_CALL = re.compile(r"^(?P<indent>[ \t]*)(?P<kernel>::[^\n]*?)<<<launch\.grid, launch\.block, "
                         r"launch\.shared>>>\((?P<empty>\))?", re.M)
EXTERN_SHARED = re.compile(r"\bextern\s+__shared__\s+(?P<type>(?:[^;{}()\[\]]|\(\s*\d+\s*\))*?)\s*"
                           r"\b(?P<name>[A-Za-z_]\w*)\s*\[\s*\]\s*;")
ALIGN = re.compile(r"\b(?:__align__|alignas)\s*\(\s*\d+\s*\)")
COMMENT_OR_STRING = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
#: Constructs the shim cannot run, found in the source with comments and strings blanked out.
UNSUPPORTED_SYNTAX = (
    (re.compile(r"\basm\b|\b__asm__\b|\b__asm\b"), "inline assembly (PTX)"),
    (re.compile(r"<<<"), "a kernel launch inside device code (dynamic parallelism)"),
    (re.compile(r"\btexture\s*<|\bsurface\s*<|\btex[123]D\w*\s*\("), "textures and surfaces"),
)
UNDECLARED = re.compile(r"error: '(?:::)?(?P<name>[\w:]+)' (?:was not declared in this scope|has not been "
                        r"declared|is not a member of)")
NO_HEADER = re.compile(r"fatal error: (?P<header>[^:]+): No such file or directory")
ERROR_LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<column>\d+): (?:fatal )?error: .*$", re.M)


class ReferenceError(Exception):
    """The reference could not give outputs; the subclass says why."""


class ReferenceUnsupported(ReferenceError):
    """The kernel uses something the shim cannot run; the message says what."""


class ReferenceRejected(ReferenceError):
    """g++ rejects the source; the message is g++'s first error line (file:line:column: error: ...)."""


class ReferenceTimeout(ReferenceError):
    """The build or the run went on longer than allowed."""


class ReferenceFault(ReferenceError):
    """The run stopped: invalid memory access, deadlock at a barrier, arithmetic fault, crash."""


def run_reference(source_text: str, spec: KernelSpec, case: CaseSpec, *, timeout: float = 30.0,
                  inputs: dict[str, np.ndarray] | None = None, dialect: str = "cuda",
                  lanes: int = 32, sm_count: int = REFERENCE_SM_COUNT) -> dict[str, np.ndarray]:
    """Run ``source_text`` (the CUDA file of ``spec``, or a mutant of it) on ``case``.

    Returns the ``out`` and ``inout`` buffers after the last launch, in their storage dtype and
    shape (like :attr:`porter.golden.Golden.outputs`). ``inputs`` defaults to what porter's golden
    machinery generates for the case (pass a recorded golden's inputs to replay it exactly).
    ``timeout`` bounds the run; the build has its own, longer bound.

    ``dialect="hip"`` runs a HIP port of the kernel file instead (``hip_shim.h``: HIP's names and
    warp built-ins) with warps of ``lanes`` lanes (64: gfx90a/gfx942 wavefronts; 32: wave32);
    CUDA source runs with 32 lanes only.

    Format 2: the case's program (loops, host operations, swaps) runs as the GPU launcher runs it,
    built with the case's defines and template arguments; a grid of ``sm_count`` uses ``sm_count``.
    A spec marked ``nondeterministic`` may differ between the two runs: the first run's outputs
    come back.
    """
    resolved = bind_device(resolve_case(spec, case), sm_count)
    if inputs is None:
        inputs = make_inputs(resolved)
    binary = build(source_text, spec, dialect=dialect, lanes=lanes, case=resolved)
    with tempfile.TemporaryDirectory(prefix="porter-reference-run-") as folder:
        plan, output = Path(folder) / "plan.bin", Path(folder) / "output.bin"
        plan.write_bytes(encode_plan(resolved, inputs))
        runs = []
        for padding, order in SECOND_OPINION:
            output.unlink(missing_ok=True)
            _execute([str(binary), str(plan), str(output)], timeout, padding, order)
            try:
                buffers = decode_output(output.read_bytes(), resolved, inputs)
            except (OSError, PlanFormatError) as error:
                raise ReferenceFault(f"bad launcher output: {error}") from None
            runs.append({b.name: buffers[b.name] for b in spec.buffers if b.is_output})
    first, second = runs
    differs = compare_outputs(spec, first, second, case=resolved)
    if not differs.ok and spec.nondeterministic is None:
        raise ReferenceFault("the outputs depend on what lies outside a buffer (a read before its start or past "
                             "its end, into its padding) or on the order threads run in (a data race): "
                             f"{differs.detail}")
    return first


def build(source_text: str, spec: KernelSpec, *, dialect: str = "cuda", lanes: int = 32,
          case: ResolvedCase | None = None) -> Path:
    """The compiled launcher of ``spec`` around ``source_text``, from the cache when it is there."""
    if dialect not in DIALECTS or lanes not in (32, 64) or (dialect == "cuda" and lanes != 32):
        raise ValueError(f"no reference for {dialect} with {lanes}-lane warps (cuda: 32; hip: 32 or 64)")
    _check_syntax(source_text)
    if shutil.which(GXX) is None:
        raise ReferenceUnsupported(f"no C++ compiler {GXX!r} to build the CPU reference with "
                                   "(install g++ or set PORTER_REFERENCE_CXX)")
    kernel = rewrite_extern_shared(source_text)
    launcher = launcher_source(spec, case)
    shim = SHIM.read_text()
    hip_shim = HIP_SHIM.read_text() if dialect == "hip" else ""
    flags = (*GXX_FLAGS, f"-DPORTER_WARP_SIZE={lanes}")
    key = hashlib.sha256("\0".join([GXX, *flags, dialect, shim, hip_shim, kernel, launcher]).encode()).hexdigest()[:32]
    folder = cache_root() / key
    binary, rejected = folder / "launcher", folder / "rejected.txt"
    if binary.exists():
        return binary
    if rejected.exists():
        _raise_compile_error(rejected.read_text())
    work = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=cache_root()))
    try:
        include = work / "include"
        include.mkdir()
        (include / "cuda_shim.h").write_text(shim)
        entry = "cuda_shim.h"
        if dialect == "hip":
            (include / "hip_shim.h").write_text(hip_shim)
            (include / "hip").mkdir()
            entry = "hip_shim.h"
            for header in HIP_HEADERS:
                (include / header).write_text(f'#include "{entry}"\n')
        for header in CUDA_HEADERS:
            (include / header).write_text(f'#include "{entry}"\n')
        (work / "kernel.cu").write_text(kernel)
        (work / "launcher.cpp").write_text(launcher)
        command = [GXX, *flags, "-I", str(include), "-o", str(work / "launcher"), str(work / "launcher.cpp")]
        try:
            result = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S,
                                    env={**os.environ, "LC_ALL": "C"})  # plain quotes in messages
        except subprocess.TimeoutExpired:
            raise ReferenceTimeout(f"g++ ran longer than {COMPILE_TIMEOUT_S:g} s") from None
        if result.returncode != 0:
            messages = result.stderr.replace(str(work) + "/", "").replace(str(include) + "/", "")
            (work / "rejected.txt").write_text(messages)
            (work / "launcher").unlink(missing_ok=True)
        _publish(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if rejected.exists():
        _raise_compile_error(rejected.read_text())
    return binary


def cache_root() -> Path:
    root = Path(os.environ.get("PORTER_REFERENCE_CACHE")
                or Path(tempfile.gettempdir()) / f"porter-reference-{os.getuid()}")
    root.mkdir(parents=True, exist_ok=True)
    return root


def launcher_source(spec: KernelSpec, case: ResolvedCase | None = None) -> str:
    """porter's golden launcher for ``spec`` (built for ``case``'s defines and template arguments)
    including ``kernel.cu``, launching through the shim."""
    text = generate_launcher(spec, include="kernel.cu", case=case)

    def call(match: re.Match) -> str:
        rest = ")" if match["empty"] else ", "
        head = "::porter_ref::launch(launch.grid, launch.block, launch.shared, "
        return f"{match['indent']}{head}{match['kernel']}{rest}"

    text, count = LAUNCH_CALL.subn(call, text)
    if count != len(spec.launches):  # the golden launcher's form changed: fix LAUNCH_CALL
        raise RuntimeError(f"found {count} kernel launches in the generated launcher, expected {len(spec.launches)}")
    return text


def rewrite_extern_shared(source_text: str) -> str:
    """``extern __shared__ T name[];`` -> ``T* const name = <the launch's dynamic shared memory>;``"""
    def pointer(match: re.Match) -> str:
        element = " ".join(ALIGN.sub(" ", match["type"]).split())
        return (f"{element}* const {match['name']} = reinterpret_cast<{element}*>(::porter_ref::dynamic_shared());")
    return EXTERN_SHARED.sub(pointer, source_text)


def _check_syntax(source_text: str) -> None:
    code = COMMENT_OR_STRING.sub(lambda m: " " * len(m.group()), source_text)
    for pattern, what in UNSUPPORTED_SYNTAX:
        if pattern.search(code):
            raise ReferenceUnsupported(f"the CPU reference cannot run {what}")


def _publish(work: Path, folder: Path) -> None:
    """Move the build's results into the cache folder atomically (a parallel build may win)."""
    done = work / "done"
    done.mkdir()
    for name in ("launcher", "rejected.txt"):
        if (work / name).exists():
            os.replace(work / name, done / name)
    try:
        os.rename(done, folder)
    except OSError:
        pass  # another build of the same key finished first


def _raise_compile_error(messages: str) -> None:
    missing = NO_HEADER.search(messages)
    if missing:
        raise ReferenceUnsupported(f"the CPU reference has no header {missing['header']!r}")
    first = ERROR_LINE.search(messages)
    line = first.group() if first else (messages.strip().splitlines() or ["g++ failed"])[0]
    undeclared = UNDECLARED.search(line)
    if undeclared and _is_cuda_name(undeclared["name"]):
        raise ReferenceUnsupported(f"the CPU reference does not define {undeclared['name']!r} ({line})")
    if first and first["file"] != "kernel.cu":  # the kernels compile but cannot be launched as the spec says
        line += " (launching the spec's kernels: do they still take its arguments?)"
    raise ReferenceRejected(line)


def _is_cuda_name(name: str) -> bool:
    """A name that only CUDA gives a meaning (reserved ``__`` names, atomics, CUDA namespaces)."""
    return name.startswith(("__", "atomic", "cooperative_groups", "cuda", "nvcuda", "cub", "thrust"))


def _execute(command: list[str], timeout: float, padding: int, order: str) -> None:
    environment = {**os.environ, "PORTER_REFERENCE_PADDING": str(padding), "PORTER_REFERENCE_ORDER": order}
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, preexec_fn=_limit_memory,
                                env=environment)
    except subprocess.TimeoutExpired:
        raise ReferenceTimeout(f"the kernels ran longer than {timeout:g} s") from None
    if result.returncode == 0:
        return
    said = [line for line in result.stderr.splitlines() if line.startswith("reference: ")]
    detail = said[-1].removeprefix("reference: ") if said else (result.stderr.strip() or "no message")[-500:]
    if result.returncode == EXIT_UNSUPPORTED:
        raise ReferenceUnsupported(detail)
    if result.returncode < 0:
        name = signal.Signals(-result.returncode).name
        raise ReferenceFault(f"killed by {name}" + (f": {detail}" if said else ""))
    raise ReferenceFault(detail)


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
