"""How to compile one HeCBench program folder with hipcc, read from its Makefile.

:func:`read_build` finds the sources and the -I/-D/-std flags (through make_vars.MakeReader);
:func:`compile_program` compiles each source with ``hipcc --offload-arch=gfx90a -c`` (object files
only: nothing is linked, so the libraries a program links against are not needed) and returns the
compiler's errors parsed as file:line:col.

Where the sources come from, in order: the Makefile's ``source`` variable (the suite's convention);
else its object list (``obj``/``OBJ``/``objects``) mapped back to files beside the Makefile; else
every existing file with a source suffix named in a variable or a recipe; else every .cu file in
the folder (``guessed``). Flags are the -I, -D and -std tokens of the expanded recipes of the
Makefile's build rules, and -fgpu-rdc where they ask nvcc for relocatable device code (-dc, -rdc=true).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from make_vars import MakeReader

SOURCE_SUFFIXES = (".cu", ".cpp", ".cc", ".cxx", ".c")
_OBJECT_VARIABLES = ("obj", "OBJ", "objects", "OBJECTS", "objs", "OBJS")
_ERROR = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?:fatal )?error: (?P<message>.*)$", re.M)
_MISSING_HEADER = re.compile(r"'([^']+)' file not found")
_MACRO_NOTE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):\d+: note: expanded from macro", re.M)
#: relocatable-device-code flags (a device function defined in another file) as one word: nvcc's, hipcc's
_RELOCATABLE_DEVICE_CODE = ("-dc", "-rdc=true", "--relocatable-device-code=true", "--device-c", "-fgpu-rdc")


@dataclass(frozen=True)
class Build:
    folder: Path
    sources: tuple[str, ...]
    flags: tuple[str, ...]          # -I/-D/-std tokens (-I relative to folder, as written) and -fgpu-rdc
    how: str                        # where the sources came from: source, obj, named, guessed
    unsupported: tuple[str, ...] = ()
    cuda_cpp: bool = False          # the recipes compile .cpp files as CUDA (nvcc -x cu)

    def include_dirs(self) -> list[str]:
        return [flag[2:] for flag in self.flags if flag.startswith("-I")]


@dataclass(frozen=True)
class CompileError:
    file: str      # as the compiler printed it, relative to the program folder where possible
    line: int
    col: int
    message: str
    macros: tuple[tuple[str, int], ...] = ()  # (file, line) of the macros the error's code expands from

    @property
    def missing_header(self) -> str | None:
        match = _MISSING_HEADER.search(self.message)
        return match.group(1) if match else None


@dataclass
class CompileResult:
    ok: bool
    seconds: float
    timed_out: bool = False
    failed_sources: list[str] = field(default_factory=list)
    first_errors: list[CompileError] = field(default_factory=list)   # the first error of each failing source
    errors: list[CompileError] = field(default_factory=list)          # every error (clang stops at 20 per source)
    log: str = ""


def read_build(program: Path) -> Build | None:
    """The build of the program folder: its own Makefile, or where that names no existing source,
    the first (shallowest, then by name) Makefile in a subfolder that does; None without one."""
    makefiles = sorted((p for p in program.rglob("Makefile") if len(p.relative_to(program).parts) <= 4),
                       key=lambda p: (len(p.parts), str(p)))
    for makefile in makefiles:
        folder = makefile.parent
        reader = MakeReader.from_file(makefile)
        sources, how = _sources(reader, folder)
        if sources:
            cuda_cpp = any(re.search(r"-x\s*cu\b", line) for line in reader.recipes())
            return Build(folder, tuple(sources), tuple(_flags(reader)), how, tuple(sorted(reader.unsupported)),
                         cuda_cpp)
    return None


def _sources(reader: MakeReader, folder: Path) -> tuple[list[str], str]:
    named = reader.value("source").split() or reader.value("SOURCE").split()
    existing = [found for s in named if (found := _find(folder, s))]
    if existing:
        return _unique(existing), "source"
    for variable in _OBJECT_VARIABLES:
        objects = reader.value(variable).split()
        found = [_source_of_object(folder, o) for o in objects]
        if objects and all(found):
            return _unique(found), "obj"
    words = " ".join([reader.expand(v) for v in reader.variables.values()] + reader.recipes()).split()
    named = [w.removeprefix("./") for w in words if w.endswith(SOURCE_SUFFIXES) and (folder / w).is_file()]
    if named:
        return _unique(named), "named"
    return sorted(p.name for p in folder.glob("*.cu")), "guessed"


def _find(folder: Path, name: str) -> str | None:
    """``name`` beside the Makefile, else the one file of that relative path in its subfolders."""
    name = name.removeprefix("./")
    if (folder / name).is_file():
        return name
    matches = [p for p in folder.rglob(name) if p.is_file()] if "*" not in name else []
    return str(matches[0].relative_to(folder)) if len(matches) == 1 else None


def _source_of_object(folder: Path, obj: str) -> str | None:
    stem = obj.removeprefix("./")
    stem = stem[:-2] if stem.endswith(".o") else stem[:-4] if stem.endswith(".obj") else None
    if stem is None:
        return None
    for suffix in SOURCE_SUFFIXES:
        if (folder / (stem + suffix)).is_file():
            return stem + suffix
    return None


def _flags(reader: MakeReader) -> list[str]:
    flags: list[str] = []
    for line in reader.recipes():
        words = line.split()
        for index, word in enumerate(words):
            if word in ("-I", "-D") and index + 1 < len(words):
                flags.append(word + words[index + 1])
            elif word.startswith(("-I", "-D")) and len(word) > 2:
                flags.append(word)
            elif word.startswith(("-std=", "--std=")):
                flags.append("-std=" + word.split("=", 1)[1])
            elif word in _RELOCATABLE_DEVICE_CODE or (word in ("-rdc", "--relocatable-device-code")
                                                      and words[index + 1:index + 2] == ["true"]):
                flags.append("-fgpu-rdc")  # device code linked across files: hipcc's form of nvcc's -rdc
    return _unique(flags)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def compile_command(hipcc: str, build: Build, source: str, output: Path, arch: str = "gfx90a",
                    host_cpp: bool = False) -> list[str]:
    """hipcc's command for one source. ``host_cpp``: C++ sources (.cpp, .cc, .cxx) are host C++, as
    nvcc compiles them (unless the recipes say -x cu), with the AMD platform defined for HIP's
    headers; otherwise every non-C source is HIP, as hipcc compiles it."""
    standard = next((f for f in reversed(build.flags) if f.startswith("-std=")), "-std=c++17")
    language = ["-x", "c"] if source.endswith(".c") else ["-x", "hip", standard]
    if host_cpp and not build.cuda_cpp and source.endswith((".cpp", ".cc", ".cxx")):
        language = ["-x", "c++", standard, "-D__HIP_PLATFORM_AMD__"]
    defines_includes = [f for f in build.flags if not f.startswith("-std=")]
    return [hipcc, f"--offload-arch={arch}", *language, "-O0", "-w", *defines_includes, "-c", source,
            "-o", str(output)]


def compile_program(build: Build, hipcc: str, timeout: float, arch: str = "gfx90a",
                    host_cpp: bool = False) -> CompileResult:
    """Compile every source of ``build`` where it lives (cwd = its folder); stop at the deadline."""
    started = time.perf_counter()
    result = CompileResult(ok=True, seconds=0.0)
    environment = {**os.environ, "HIP_PLATFORM": "amd"}
    logs = []
    with tempfile.TemporaryDirectory(prefix="hecbench-obj-") as scratch:
        for index, source in enumerate(build.sources):
            left = timeout - (time.perf_counter() - started)
            if left <= 0:
                result.ok, result.timed_out = False, True
                break
            command = compile_command(hipcc, build, source, Path(scratch) / f"{index}.o", arch, host_cpp)
            returncode, output = _run(command, build.folder, environment, left)
            if returncode is None:
                result.ok, result.timed_out = False, True
                break
            if returncode == 0:
                continue
            errors = [_error(m, build.folder) for m in _ERROR.finditer(output)]
            result.ok = False
            result.failed_sources.append(source)
            result.errors.extend(errors)
            if errors:
                result.first_errors.append(errors[0])
            else:
                result.first_errors.append(CompileError(source, 0, 0, _first_line(output)))
            logs.append(f"$ {' '.join(command)}\n{output[-4000:]}")
    result.seconds = time.perf_counter() - started
    result.log = "\n".join(logs)
    return result


def _run(command: list[str], cwd: Path, environment: dict, timeout: float) -> tuple[int | None, str]:
    """Run hipcc in a session of its own, so that a timeout kills the clang it started too."""
    process = subprocess.Popen(command, cwd=cwd, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None, ""
    return process.returncode, output


def _error(match: re.Match, folder: Path) -> CompileError:
    following = match.string[match.end():]
    next_error = _ERROR.search(following)
    notes = following[:next_error.start()] if next_error else following
    macros = tuple((_relative(folder, m.group("file")), int(m.group("line"))) for m in _MACRO_NOTE.finditer(notes))
    return CompileError(_relative(folder, match.group("file")), int(match.group("line")), int(match.group("col")),
                        match.group("message").strip(), macros)


def _relative(folder: Path, path: str) -> str:
    try:
        return os.path.relpath(os.path.normpath(folder / path), folder)
    except ValueError:
        return path


def _first_line(output: str) -> str:
    return next((line for line in output.splitlines() if "error" in line), output.strip()[:200] or "no output")
