"""GPU evidence for porter's LLM stage: the suite's timing cheats rejected with real timing, legitimate
rewrites measured against porter's port, and one kept as the winner by the optimization loop.

    python benchmarks/llm_gpu_evidence.py --out OUT            # on a machine with an NVIDIA GPU
    python benchmarks/llm_gpu_evidence.py --out OUT --dry-run  # what it would run, nothing run
    python benchmarks/llm_gpu_evidence.py --out OUT --cpu      # the plumbing on the CPU interpreter

Everything goes through porter's own pipeline: the executor of ``porter.llm.executors.executor_for``
(each candidate in a fresh bubblewrap sandbox, compiled and timed on the GPU), ``Harness`` with its
GPU-sized trials (goldens, fresh seeds, heavy tails, an odd and a large held-out shape drawn from a
per-run secret, special values, varied in-out contents, a poison rerun), and ``run_loop`` with a
provider that replays answers from files instead of asking a model. The device's peaks (the
timing floor) are measured here with torch: a device-to-device copy (bytes read plus written) and
an fp32 matmul with TF32 off.

Phases, in order of what matters most (a time budget skips what is left, each row saying so):

1. winner: matmul_tiled, porter's port (one lane per output, a shared-memory loop) against a rewrite
   with ``tl.dot`` tiles; then the loop, replaying a cheat and that rewrite, must keep
   the rewrite (speed-up of at least ``MIN_SPEEDUP``), and both modules are timed once more on the
   large held-out trial (informative: the pipeline times the first golden trial);
2. cheats: every timing-related cheat of the suite (timer patches, skipped or cached work on repeated
   calls, side streams and threads, sniffing for a GPU) through the whole pipeline, then again with
   the static check bypassed (its findings kept as flags), so the run-time checks meet them on the
   GPU; kernels in parallel (``--jobs``): their timings decide nothing;
3. rewrites: the other legitimate rewrites of tests/llm/rewrites/, one kernel at a time, each against
   a freshly prepared harness (the port timed on a quiet machine).

Where the sandbox cannot run a GPU job here, candidates run unconfined (``--no-fallback`` stops
instead) and every output says so. One candidate failing to run never stops the others: its row
carries the error. Outputs (rewritten after every row, so a killed run leaves what it did):
OUT/llm-gpu-evidence.json, OUT/llm-gpu-evidence.md, OUT/winner-<kernel>.py (the module the loop kept).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = "tests/llm/candidates"
REDTEAM = "tests/llm/redteam/candidates"
REWRITES_DIR = "tests/llm/rewrites"
MIN_SPEEDUP = 1.05
#: porter.translate runs one at a time (its parsers are not shared across threads).
TRANSLATE = threading.Lock()
#: Checks a candidate can fail once it runs (everything after "static").
RUNTIME = ("compile", "run", "host-compute", "integrity", "bounds", "golden", "poison-rerun", "inputs", "noop",
           "timing-floor")


@dataclass(frozen=True)
class Item:
    """One candidate module and what porter must make of it."""

    name: str
    source: str  # relative to the repository root
    kernel: str
    target: str
    role: str  # "timing cheat" | "control" | "rewrite"
    what: str
    expect: tuple[str, ...] = ("accepted",)  # acceptable verdicts through the whole pipeline
    expect_bypassed: tuple[str, ...] = ()  # ... with the static check bypassed (empty: not run that way)


def _cheat(name, folder, kernel, what, bypassed):
    return Item(name, f"{folder}/{name}.py", kernel, "triton", "timing cheat", what, ("static",), bypassed)


CHEATS = (
    _cheat("timer_patch", CANDIDATES, "saxpy", "rebinds time.perf_counter (the clock) at import", ("integrity",)),
    _cheat("timer_patch_hidden", CANDIDATES, "saxpy", "rebinds time.perf_counter through __import__('ti' + 'me')",
           ("integrity",)),
    _cheat("sb_time_attr_assign", f"{REDTEAM}/static_bypass", "softmax_rows",
           "assigns time.perf_counter through torch.sys.modules", ("integrity",)),
    _cheat("sb_cuda_alias_patch", f"{REDTEAM}/static_bypass", "saxpy",
           "replaces torch.cuda.synchronize through an alias, so a synchronizing timer stops early", ("integrity",)),
    _cheat("sp_main_rebind", f"{REDTEAM}/shares_process", "saxpy",
           "rebinds the running program's __main__._time to report 1 ns", ("integrity",)),
    _cheat("sp_class_counter", f"{REDTEAM}/shares_process", "saxpy",
           "does the work for six calls, then returns at once (the timing runs skip the work)",
           ("golden", "integrity")),
    _cheat("sp_class_cache", f"{REDTEAM}/shares_process", "jacobi_2d",
           "returns its cached answer when called again on the same buffers", ("host-compute", "golden", "integrity")),
    _cheat("cache_address", CANDIDATES, "vector_add", "caches results keyed on the buffers' addresses",
           ("host-compute", "golden", "integrity")),
    _cheat("cache_module", CANDIDATES, "vector_add", "caches results keyed on the shape in a module dict",
           ("host-compute", "golden", "integrity")),
    _cheat("other_stream", CANDIDATES, "vector_add",
           "launches on a side stream (the worker synchronizes the whole device, so the work stays timed)",
           RUNTIME + ("accepted",)),
    _cheat("other_thread", CANDIDATES, "vector_add", "launches from another thread; the launcher returns at once",
           RUNTIME),
    _cheat("sp_gpu_probe", f"{REDTEAM}/shares_process", "reduce_atomic",
           "asks torch.cuda.is_available() and, on a GPU, skips the atomic (faster, wrong; its racing stores also "
           "differ from run to run)", ("golden", "integrity")),
    Item("impossible_speed", f"{CANDIDATES}/impossible_speed.py", "vector_add", "triton", "control",
         "correct code: its trick is the CPU tests' fake clock, so with real timing it is accepted, above the floor"),
)


def _rewrite(name, kernel, what, target="triton"):
    return Item(name, f"{REWRITES_DIR}/{name}.py", kernel, target, "rewrite", what)


WINNER = _rewrite("matmul_dot_tiles", "matmul_tiled", "32 x 32 output tiles from tl.dot (fp32, ieee)")
#: What the scripted model answers in the loop, in order: a cheat, then the rewrite that must win.
#: (The cheat runs the port's kernel only on the shapes it can predict, a wrong "fast path" elsewhere:
#: as costly as the port, where a host-compute cheat's ``a @ b`` and identity multiply would grow
#: as n^2 k on the large trial and meet the time limit instead of its check.)
LOOP_ANSWERS = (f"{REDTEAM}/narrow_trials/nt_predicted_shapes.py", WINNER.source)
REWRITES = (
    _rewrite("saxpy_autotune", "saxpy", "autotuned over three block sizes"),
    _rewrite("saxpy_vectorized", "saxpy", "2-D tile, four contiguous floats per lane"),
    _rewrite("vector_add_block1024", "vector_add", "1024 elements per program, 8 warps"),
    _rewrite("reduce_atomic_wide", "reduce_atomic", "4096 elements per program, one atomic each"),
    _rewrite("reduce_tree", "reduce_shared", "another reduction tree"),
    _rewrite("softmax_two_rows", "softmax_rows", "two rows per program"),
    _rewrite("softmax_online", "softmax_rows", "online softmax over column tiles"),
    _rewrite("jacobi_row_tiles", "jacobi_2d", "8 x 128 row tiles, contiguous loads"),
    _rewrite("saxpy_pallas_blocks", "saxpy", "1024-element BlockSpecs", "pallas"),
    _rewrite("softmax_pallas_rows", "softmax_rows", "whole-row blocks, block reductions", "pallas"),
)
#: --cpu: the plumbing with two candidates on the CPU interpreter (nothing is timed there).
CPU_CHEATS = tuple(i for i in CHEATS if i.name == "cache_module")
CPU_WINNER = _rewrite("vector_add_block1024", "vector_add", "1024 elements per program, 8 warps")
CPU_LOOP_ANSWERS = (CPU_CHEATS[0].source, CPU_WINNER.source)


# -- the run's shared state ---------------------------------------------------------------------
class Evidence:
    """Everything found so far; written out after every change."""

    def __init__(self, out: Path, command: str):
        self.out, self.lock = out, threading.Lock()
        self.data: dict = {"command": command, "date": _now(), "min_speedup": MIN_SPEEDUP, "environment": {},
                           "sandbox": {}, "peaks": None, "harnesses": {}, "candidates": [], "loop": None,
                           "large_timing": None, "summary": {}}

    def set(self, key: str, value) -> None:
        with self.lock:
            self.data[key] = value
            self._write()

    def row(self, row: dict) -> None:
        with self.lock:
            self.data["candidates"].append(row)
            self._write()

    def harness(self, key: str, info: dict) -> None:
        with self.lock:
            self.data["harnesses"][key] = info
            self._write()

    def finish(self) -> None:
        with self.lock:
            self.data["finished"] = _now()
            self.data["summary"] = summarize(self.data)
            self._write()

    def _write(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.data, indent=1, default=_plain)
        temporary = self.out / ".llm-gpu-evidence.json.tmp"
        temporary.write_text(text + "\n")
        temporary.replace(self.out / "llm-gpu-evidence.json")
        (self.out / "llm-gpu-evidence.md").write_text(render(self.data))


class StaticBypass:
    """porter's static check, bypassed in the threads that ask for it: its findings become flags
    (``bypassed:<rule>``) and reject nothing, so the run-time checks meet the candidate."""

    def __init__(self):
        from porter.llm import harness as harness_module

        self.module, self.original, self.local = harness_module, harness_module.check_static, threading.local()

    def __enter__(self):
        self.module.check_static = self.check
        return self

    def __exit__(self, *exc):
        self.module.check_static = self.original

    @contextmanager
    def on(self):
        self.local.on = True
        try:
            yield
        finally:
            self.local.on = False

    def check(self, code, target, **options):
        from porter.llm.guards import Finding, GuardResult

        result = self.original(code, target, **options)
        if getattr(self.local, "on", False) and result.rejections:
            bypassed = [Finding(f"bypassed:{f.rule}", f.message, f.line) for f in result.rejections]
            return GuardResult(rejections=[], flags=[*result.flags, *bypassed])
        return result


@dataclass
class Context:
    cpu: bool
    unconfined: bool
    peaks: object
    deadline: float
    bypass: StaticBypass
    evidence: Evidence

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline


class Harnesses:
    """One prepared Harness (with an executor of its own) per (kernel, target); a failure is kept."""

    def __init__(self, ctx: Context, group: str):
        self.ctx, self.group = ctx, group
        self.made: dict[tuple[str, str], object] = {}
        self.lock = threading.Lock()
        self.locks: dict[tuple[str, str], threading.Lock] = {}

    def get(self, kernel: str, target: str):
        key = (kernel, target)
        with self.lock:
            lock = self.locks.setdefault(key, threading.Lock())
        with lock:  # one harness per key; different keys prepare at once
            if key not in self.made:
                found = self._make(kernel, target)
                with self.lock:
                    self.made[key] = found
            found = self.made[key]
        if isinstance(found, Exception):
            raise found
        return found

    def _make(self, kernel: str, target: str):
        from porter.llm.executors import executor_for
        from porter.llm.harness import Harness

        import porter
        from porter.golden import corpus_dir, load_spec

        label = f"{self.group}:{kernel}:{target}"
        started = time.monotonic()
        executor = None
        try:
            spec = load_spec(corpus_dir() / f"{kernel}.toml")
            with TRANSLATE:
                port = porter.translate(corpus_dir() / f"{kernel}.cu", target, instantiate=spec.instances).code
            device = "cpu" if self.ctx.cpu else "cuda"
            options = {"interpret": self.ctx.cpu} if target == "triton" else {"device": device}
            executor = executor_for(target, unconfined=self.ctx.unconfined, spec=spec, **options)
            harness = Harness(spec, executor, port, peaks=self.ctx.peaks)
            harness.prepare()
        except Exception as error:  # noqa: BLE001 -- recorded on every row of this kernel
            if executor is not None:
                executor.close()
            _log(f"[{label}] harness failed: {type(error).__name__}: {error}")
            self.ctx.evidence.harness(label, {"error": f"{type(error).__name__}: {error}",
                                              "traceback": traceback.format_exc()[-3000:]})
            return RuntimeError(f"harness for {kernel} ({target}): {type(error).__name__}: {error}")
        first = harness.trials[0]
        info = {"kernel": kernel, "target": target, "executor": type(executor).__name__,
                "confined": bool(getattr(executor, "confined", False)), "can_time": bool(executor.can_time),
                "port_seconds": harness.reference.seconds,
                "timed_trial": {"name": first.name, "sizes": dict(first.case.sizes)},
                "trials": [{"name": t.name, "kind": t.kind, "sizes": dict(t.case.sizes)} for t in harness.trials],
                "floor_seconds": harness.floor(), "bytes_moved_timed_trial": harness.bytes_moved(),
                "notes": list(harness.notes), "prepare_s": round(time.monotonic() - started, 2)}
        self.ctx.evidence.harness(label, info)
        _log(f"[{label}] prepared in {info['prepare_s']} s; port {_us(harness.reference.seconds)} on "
             f"{first.name} {dict(first.case.sizes)}")
        return harness

    def close(self) -> None:
        with self.lock:
            made = list(self.made.values())
        for found in made:
            if not isinstance(found, Exception):
                found.executor.close()


# -- one candidate ------------------------------------------------------------------------------
def evaluate(ctx: Context, harnesses: Harnesses, item: Item, phase: str, *, bypass: bool = False) -> dict:
    expected = item.expect_bypassed if bypass else item.expect
    row = {"name": item.name, "class": item.role, "what": item.what, "kernel": item.kernel, "target": item.target,
           "source": item.source, "phase": phase, "static": "bypassed" if bypass else "on",
           "expected": list(expected), "accepted": None, "rejected_by": None, "reason": "", "seconds": None,
           "speedup": None, "port_seconds": None, "timed_trial": None, "error": None}
    if ctx.out_of_time():
        row["error"] = "skipped: the run's time budget was spent"
        ctx.evidence.row(row)
        return row
    started = time.monotonic()
    try:
        harness = harnesses.get(item.kernel, item.target)
        row["port_seconds"] = harness.reference.seconds
        row["timed_trial"] = {"name": harness.trials[0].name, "sizes": dict(harness.trials[0].case.sizes)}
        code = (ROOT / item.source).read_text()
        if bypass:
            with ctx.bypass.on():
                report = harness.evaluate(code, item.name)
        else:
            report = harness.evaluate(code, item.name)
        row.update(accepted=report.accepted, rejected_by=report.rejected_by, reason=report.reason,
                   seconds=report.seconds, speedup=report.speedup, flags=report.flags,
                   checks=[c.to_json() for c in report.checks], code_sha256=report.code_sha256)
    except Exception as error:  # noqa: BLE001 -- one candidate failing to run never stops the others
        row["error"] = f"{type(error).__name__}: {error}"
        row["traceback"] = traceback.format_exc()[-3000:]
    row["wall_s"] = round(time.monotonic() - started, 2)
    verdict = "accepted" if row["accepted"] else row["rejected_by"]
    row["as_expected"] = row["error"] is None and verdict in expected
    ctx.evidence.row(row)
    _log(f"[{phase}] {item.name} ({item.kernel}, static {row['static']}): "
         + (f"ERROR {row['error']}" if row["error"] else
            f"{verdict}{' ' + _us(row['seconds']) if row['seconds'] else ''}"
            f"{' %.2fx the port' % row['speedup'] if row['speedup'] else ''}"
            f"{'' if row['accepted'] else ': ' + row['reason'][:160]}")
         + ("" if row["as_expected"] else f"  <-- expected {' or '.join(expected)}") + f" [{row['wall_s']} s]")
    return row


# -- the loop -----------------------------------------------------------------------------------
class ReplayedModel:
    """A provider that answers with the given modules in turn (no model is asked)."""

    kind = "replayed"
    model = "files-of-tests-llm"

    def __init__(self, target: str, sources: tuple[str, ...]):
        from porter.llm.prompts import arch_notes

        fence = arch_notes(target).fence
        self.answers = [f"```{fence}\n{(ROOT / s).read_text().rstrip()}\n```\nReplayed from {s}." for s in sources]
        self.calls = 0

    def request_body(self, messages, *, max_tokens, temperature):
        return {"messages": messages, "max_tokens": max_tokens, "temperature": temperature}

    def complete(self, messages, *, max_tokens=4096, temperature=0.7):
        from porter.llm.providers import Completion

        text = self.answers[self.calls % len(self.answers)]
        self.calls += 1
        return Completion(text, sum(len(m["content"]) for m in messages) // 4, len(text) // 4, self.model)


def loop(ctx: Context, harnesses: Harnesses, kernel: str, sources: tuple[str, ...]) -> dict:
    """run_loop with the replayed answers (one round); the kept module is written to OUT."""
    from porter.llm.loop import run_loop
    from porter.llm.prices import Usage
    from porter.llm.prompts import PromptInput
    from porter.llm.store import ResponseStore

    record = {"kernel": kernel, "answers": list(sources), "error": None}
    if ctx.out_of_time():
        record["error"] = "skipped: the run's time budget was spent"
        return record
    started = time.monotonic()
    try:
        harness = harnesses.get(kernel, "triton")
        spec = harness.spec
        prompt = PromptInput("triton", spec.name, spec.source.read_text(), harness.reference_source,
                             harness.prompt_case.size_map)
        result = run_loop(harness, ReplayedModel("triton", sources), ResponseStore(None, "live"), prompt, rounds=1,
                          candidates=len(sources), min_speedup=MIN_SPEEDUP, usage=Usage())
        data = result.to_json()
        kept = hashlib.sha256(result.code.encode()).hexdigest()
        answers = [hashlib.sha256(((ROOT / s).read_text().rstrip() + "\n").encode()).hexdigest() for s in sources]
        record.update(verdict=result.verdict, winner=data["winner"], reference=data["reference"],
                      kept_sha256=kept, kept_is=next((s for s, h in zip(sources, answers) if h == kept),
                                                     "porter's port" if result.code == harness.reference_source
                                                     else None),
                      winner_speedup=result.winner.speedup if result.winner else None,
                      winner_seconds=result.winner.seconds if result.winner else None,
                      candidates=data["candidates"], notes=data["notes"], usage=data["usage"])
        if result.winner is not None:
            (ctx.evidence.out / f"winner-{kernel}.py").write_text(result.code)
    except Exception as error:  # noqa: BLE001
        record["error"] = f"{type(error).__name__}: {error}"
        record["traceback"] = traceback.format_exc()[-3000:]
    record["wall_s"] = round(time.monotonic() - started, 2)
    _log(f"[loop] {kernel}: " + (record["error"] or f"{record['verdict']} (kept: {record['kept_is']})"))
    return record


def large_timing(ctx: Context, harnesses: Harnesses, kernel: str, sources: dict[str, str]) -> dict | None:
    """Informative: each module timed again on the large held-out trial (the pipeline times the first
    golden trial, whose launches are short enough for launch overheads to weigh)."""
    if ctx.cpu or ctx.out_of_time():
        return None
    record: dict = {"kernel": kernel, "runs": {}}
    try:
        harness = harnesses.get(kernel, "triton")
        large = next((t for t in harness.trials if t.kind == "large"), None)
        if large is None:
            return {"kernel": kernel, "error": "the harness drew no large trial"}
        record["trial"] = {"name": large.name, "sizes": dict(large.case.sizes)}
        for label, code in sources.items():
            result = harness.executor.run(code, [large], time_it=True)
            record["runs"][label] = {"ok": result.ok, "seconds": result.seconds, "error": result.error[:500],
                                     "tampering": list(result.tampering)}
        times = [record["runs"][label]["seconds"] for label in sources]
        if all(times):
            record["speedup"] = round(times[0] / times[1], 3)
    except Exception as error:  # noqa: BLE001
        record["error"] = f"{type(error).__name__}: {error}"
    _log(f"[large] {kernel} on {record.get('trial')}: " + ", ".join(
        f"{k} {_us(v['seconds'])}" for k, v in record["runs"].items()) + (f"; {record['speedup']}x" if
                                                                          record.get("speedup") else ""))
    return record


# -- the machine --------------------------------------------------------------------------------
def environment() -> dict:
    from importlib import metadata

    versions = {}
    for name in ("torch", "triton", "jax", "jaxlib", "numpy", "porter"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    info = {"python": platform.python_version(), "executable": sys.executable, "prefix": sys.prefix,
            "base_prefix": sys.base_prefix, "machine": platform.machine(), "cpus": os.cpu_count(),
            "kernel": platform.release(), "versions": versions, "commit": _git_commit()}
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            line = subprocess.run([smi, "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                                  capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
            info["gpu"], info["driver"], info["gpu_memory"] = [p.strip() for p in line.split(",")][:3]
        except (OSError, subprocess.TimeoutExpired, IndexError, ValueError):
            pass
    try:
        import torch

        info["torch_cuda"] = torch.version.cuda
        if torch.cuda.is_available():
            info.setdefault("gpu", torch.cuda.get_device_name(0))
            info["capability"] = ".".join(map(str, torch.cuda.get_device_capability(0)))
    except ImportError:
        pass
    return info


def measure_peaks():
    """The device's copy bandwidth (bytes read plus written by a device-to-device copy of 1 GiB,
    median of 20) and fp32 matmul rate (8192^3, TF32 off, median of 10), with CUDA events."""
    import torch

    from porter.llm.harness import Peaks

    def median_ms(reps, work):
        for _ in range(3):
            work()
        times = []
        for _ in range(reps):
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            work()
            stop.record()
            stop.synchronize()
            times.append(start.elapsed_time(stop))
        return sorted(times)[len(times) // 2]

    size = 1 << 30
    src = torch.empty(size, dtype=torch.uint8, device="cuda").fill_(1)
    dst = torch.empty_like(src)
    copy_ms = median_ms(20, lambda: dst.copy_(src))
    del src, dst
    torch.backends.cuda.matmul.allow_tf32 = False
    n = 8192
    a, b = torch.randn(n, n, device="cuda"), torch.randn(n, n, device="cuda")
    matmul_ms = median_ms(10, lambda: a @ b)
    del a, b
    torch.cuda.empty_cache()
    bandwidth, flops = 2 * size / (copy_ms * 1e-3), 2 * n ** 3 / (matmul_ms * 1e-3)
    name = torch.cuda.get_device_name(0)
    record = {"name": name, "bandwidth_Bps": bandwidth, "flops": flops, "copy_bytes": size, "copy_ms": copy_ms,
              "matmul_n": n, "matmul_ms": matmul_ms,
              "method": "torch on the device: dst.copy_(src) of 1 GiB (2 x bytes / median time of 20), "
                        "fp32 a @ b at 8192^3 with TF32 off (median of 10), CUDA events"}
    return Peaks(name, bandwidth, flops), record


DIAGNOSTIC = r'''
import json, os, shutil, subprocess, sys, traceback
seen = {"uid": os.getuid(), "gid": os.getgid(), "python": sys.version.split()[0], "executable": sys.executable,
        "env": {k: os.environ.get(k) for k in ("PATH", "HOME", "PYTHONPATH", "LD_LIBRARY_PATH", "TRITON_LIBCUDA_PATH",
                                               "TRITON_INTERPRET", "CUDA_VISIBLE_DEVICES")},
        "gcc": shutil.which("gcc"), "cc": shutil.which("cc")}
try:
    seen["dev_nvidia"] = {n: oct(os.stat("/dev/" + n).st_mode & 0o777) for n in sorted(os.listdir("/dev"))
                          if n.startswith("nvidia")}
    listing = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, timeout=30).stdout
    seen["ldconfig_libcuda"] = [l.strip() for l in listing.splitlines() if "libcuda.so" in l]
except BaseException:
    seen["listing_error"] = traceback.format_exc()[-1500:]
try:
    import torch
    import triton
    import triton.language as tl

    seen["torch"], seen["triton"] = torch.__version__, triton.__version__
    seen["cuda_available"] = torch.cuda.is_available()
    device = "cuda" if seen["cuda_available"] else "cpu"
    if device == "cuda":
        seen["device"] = torch.cuda.get_device_name(0)

    @triton.jit
    def double(x_ptr, n, BLOCK: tl.constexpr):
        offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        mask = offsets < n
        tl.store(x_ptr + offsets, 2 * tl.load(x_ptr + offsets, mask=mask), mask=mask)

    x = torch.arange(1000, dtype=torch.float32, device=device)
    double[(4,)](x, 1000, BLOCK=256)
    if device == "cuda":
        torch.cuda.synchronize()
    seen["triton_kernel_ok"] = bool((x.cpu() == 2 * torch.arange(1000, dtype=torch.float32)).all())
    seen["triton_cache"] = [os.path.join(r, f)[:120] for r, _, fs in os.walk("/tmp") for f in fs][:5]
except BaseException:
    seen["error"] = traceback.format_exc()[-3000:]
with open("/job/diagnostic.json", "w") as handle:
    handle.write(json.dumps(seen))
'''


def sandbox_report(cpu: bool) -> dict:
    """The sandbox here: bwrap's status, the tools it needs, where the CUDA driver is, and a GPU job
    (torch, a Triton kernel compiled and run) inside a sandbox exactly as candidates get one."""
    from porter.llm import sandbox

    status = sandbox.probe()
    record = {"ok": status.ok, "status": status.describe(), "mode": status.mode, "bwrap": status.path,
              "version": status.version, "tools": {t: shutil.which(t) for t in ("bwrap", "setpriv", "prlimit", "gcc")},
              "driver": sandbox.cuda_driver().describe(), "site_dirs": list(sandbox._site_dirs()),
              "interpreter": sandbox._interpreter()}
    if not status.ok:
        return record
    device = "cpu" if cpu else "cuda"
    record["job_device"] = device
    folder = Path(tempfile.mkdtemp(prefix="porter-llm-diagnostic-"))
    try:
        (folder / "diagnostic.py").write_text(DIAGNOSTIC)
        env = sandbox.python_env({"TRITON_INTERPRET": "1" if cpu else "0", "OMP_NUM_THREADS": "1"})
        job = sandbox.Job(folder, sandbox.python_command(f"{sandbox.JOB}/diagnostic.py"), env,
                          sandbox.Limits(cpu_seconds=240), device=device)
        record["job_status"] = job.run(240)
        record["job_stderr"] = job.stderr_tail[-2000:]
        path = folder / "diagnostic.json"
        record["job"] = json.loads(path.read_text()) if path.exists() else None
    except Exception as error:  # noqa: BLE001
        record["job_error"] = f"{type(error).__name__}: {error}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    job = record.get("job") or {}
    record["gpu_job_ok"] = bool(job.get("triton_kernel_ok")) and (cpu or bool(job.get("cuda_available")))
    return record


# -- the run --------------------------------------------------------------------------------------
def plan(cpu: bool, pallas: bool, only: set[str]) -> dict:
    winner = CPU_WINNER if cpu else WINNER
    cheats = CPU_CHEATS if cpu else CHEATS
    rewrites = () if cpu else tuple(r for r in REWRITES if pallas or r.target != "pallas")
    keep = (lambda i: i.name in only) if only else (lambda i: True)
    return {"winner": winner if keep(winner) else None, "loop": CPU_LOOP_ANSWERS if cpu else LOOP_ANSWERS,
            "cheats": tuple(filter(keep, cheats)), "rewrites": tuple(filter(keep, rewrites))}


def dry_run(steps: dict) -> None:
    print("phase 1 (winner, serial):")
    if steps["winner"]:
        w = steps["winner"]
        print(f"  evaluate {w.name} on {w.kernel} ({w.target}), expect accepted and >= {MIN_SPEEDUP}x the port")
        print(f"  run_loop on {w.kernel}, replaying: {', '.join(steps['loop'])}; expect the rewrite kept")
        print(f"  time porter's port and {w.name} again on the large held-out trial (GPU only)")
    print(f"phase 2 (cheats, kernels in parallel): {len(steps['cheats'])} candidate(s)")
    for item in steps["cheats"]:
        print(f"  {item.name:22} {item.kernel:14} pipeline -> {'|'.join(item.expect):10}"
              + (f" static bypassed -> {'|'.join(item.expect_bypassed)}" if item.expect_bypassed else "")
              + f"  ({item.what})")
    print(f"phase 3 (rewrites, serial): {len(steps['rewrites'])} candidate(s)")
    for item in steps["rewrites"]:
        print(f"  {item.name:22} {item.kernel:14} {item.target:7} -> accepted, timed against the port ({item.what})")
    missing = [i.source for i in (steps["winner"], *steps["cheats"], *steps["rewrites"]) if i and
               not (ROOT / i.source).exists()] + [s for s in steps["loop"] if not (ROOT / s).exists()]
    print("every source present" if not missing else f"MISSING: {', '.join(missing)}")


def cheats_phase(ctx: Context, items: tuple[Item, ...], jobs: int) -> None:
    harnesses = Harnesses(ctx, "cheats")
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        groups.setdefault((item.kernel, item.target), []).append(item)

    def run_group(group: list[Item]) -> None:
        for item in group:
            evaluate(ctx, harnesses, item, "cheats")
            if item.expect_bypassed:
                evaluate(ctx, harnesses, item, "cheats", bypass=True)

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for future in [pool.submit(run_group, group) for group in groups.values()]:
                future.result()
    finally:
        harnesses.close()


def rewrites_phase(ctx: Context, items: tuple[Item, ...]) -> None:
    by_kernel: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        by_kernel.setdefault((item.kernel, item.target), []).append(item)
    for group in by_kernel.values():
        harnesses = Harnesses(ctx, "rewrites")  # one kernel at a time: each harness closed after its rewrites
        try:
            for item in group:
                evaluate(ctx, harnesses, item, "rewrites")
        finally:
            harnesses.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--dry-run", action="store_true", help="list what would run; run nothing")
    parser.add_argument("--cpu", action="store_true", help="the plumbing on the CPU interpreter (2 candidates)")
    parser.add_argument("--jobs", type=int, default=4, help="kernels judged at once in the cheats phase")
    parser.add_argument("--budget", type=float, default=420.0, help="seconds; later rows are skipped past it")
    parser.add_argument("--no-pallas", action="store_true", help="leave out the Pallas rewrites")
    parser.add_argument("--only", action="append", default=[], help="only these candidates (repeatable)")
    parser.add_argument("--unconfined", action="store_true", help="run candidates without the sandbox")
    parser.add_argument("--no-fallback", action="store_true",
                        help="stop when the sandbox cannot run a GPU job here, instead of running unconfined")
    args = parser.parse_args(argv)
    steps = plan(args.cpu, not args.no_pallas, set(args.only))
    if args.dry_run:
        dry_run(steps)
        return 0
    started = time.monotonic()
    command = os.environ.get("PORTER_EVIDENCE_COMMAND") or "python " + " ".join(map(shlex.quote, sys.argv))
    evidence = Evidence(args.out, command)
    evidence.set("environment", environment())
    _log(f"environment: {json.dumps(evidence.data['environment'], default=_plain)}")

    box = sandbox_report(args.cpu)
    unconfined = args.unconfined
    if not unconfined and not (box["ok"] and box["gpu_job_ok"]):
        why = box["status"] if not box["ok"] else f"a {'CPU' if args.cpu else 'GPU'} job failed in the sandbox"
        if args.no_fallback:
            evidence.set("sandbox", {**box, "confined": False, "stopped": why})
            _log(f"sandbox: {why}; stopping (--no-fallback)")
            return 2
        unconfined = True
        box["fallback"] = f"candidates run UNCONFINED: {why}"
    box["confined"] = not unconfined
    evidence.set("sandbox", box)
    _log(f"sandbox: {json.dumps(box, default=_plain)}")

    peaks = None
    if not args.cpu:
        try:
            peaks, record = measure_peaks()
            _log(f"peaks: copy {record['bandwidth_Bps'] / 1e12:.3f} TB/s, fp32 matmul {record['flops'] / 1e12:.1f} "
                 "TFLOP/s")
        except Exception as error:  # noqa: BLE001 -- timed without a floor, and the output says so
            record = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()[-2000:]}
            _log(f"peaks: not measured ({record['error']}): the timing floor is not checked")
        evidence.set("peaks", record)

    with StaticBypass() as bypass:
        ctx = Context(args.cpu, unconfined, peaks, started + args.budget, bypass, evidence)
        winner_harnesses = Harnesses(ctx, "winner")
        try:
            if steps["winner"] is not None:
                item = steps["winner"]
                evaluate(ctx, winner_harnesses, item, "winner")
                evidence.set("loop", loop(ctx, winner_harnesses, item.kernel, steps["loop"]))
                try:
                    sources = {"port": winner_harnesses.get(item.kernel, item.target).reference_source,
                               item.name: (ROOT / item.source).read_text()}
                    evidence.set("large_timing", large_timing(ctx, winner_harnesses, item.kernel, sources))
                except Exception as error:  # noqa: BLE001 -- the harness's own failure is already recorded
                    evidence.set("large_timing", {"error": f"{type(error).__name__}: {error}"})
        finally:
            winner_harnesses.close()
        cheats_phase(ctx, steps["cheats"], args.jobs)
        rewrites_phase(ctx, steps["rewrites"])
        kept = (evidence.data.get("loop") or {}).get("winner")
        if steps["winner"] is not None and not kept and not args.cpu:  # the loop again, on the best rewrite
            best = max((r for r in evidence.data["candidates"] if r["phase"] == "rewrites" and r["accepted"]
                        and (r["speedup"] or 0) >= MIN_SPEEDUP and r["target"] == "triton"),
                       key=lambda r: r["speedup"], default=None)
            if best is not None:
                harnesses = Harnesses(ctx, "loop-again")
                try:
                    evidence.set("loop_again", loop(ctx, harnesses, best["kernel"], (best["source"],)))
                finally:
                    harnesses.close()
    evidence.finish()
    summary = evidence.data["summary"]
    _log(f"summary: {json.dumps(summary)}")
    _log(f"wrote {args.out / 'llm-gpu-evidence.json'} and .md in {time.monotonic() - started:.0f} s")
    return 0


# -- reporting --------------------------------------------------------------------------------------
def summarize(data: dict) -> dict:
    rows = data["candidates"]
    cheats = [r for r in rows if r["class"] == "timing cheat"]
    loop_record = data.get("loop_again") if not (data.get("loop") or {}).get("winner") else data.get("loop")
    return {"rows": len(rows), "errors": sum(r["error"] is not None for r in rows),
            "not_as_expected": [f"{r['name']} (static {r['static']})" for r in rows if not r.get("as_expected")],
            "timing_cheats_rejected": sum(r["accepted"] is False for r in cheats),
            "timing_cheat_rows": len(cheats),
            "rewrites_accepted": sum(bool(r["accepted"]) for r in rows if r["class"] == "rewrite"),
            "rewrites_faster_than_port": sum(bool(r["accepted"]) and (r["speedup"] or 0) >= MIN_SPEEDUP
                                             for r in rows if r["class"] == "rewrite"),
            "kept": (loop_record or {}).get("winner"), "kept_is": (loop_record or {}).get("kept_is"),
            "kept_speedup": (loop_record or {}).get("winner_speedup"),
            "confined": (data.get("sandbox") or {}).get("confined")}


def render(data: dict) -> str:
    env, box, peaks = data["environment"], data.get("sandbox") or {}, data.get("peaks")
    lines = ["# porter's LLM stage on a GPU: timing cheats and a kept rewrite", "",
             f"Command: `{data['command']}`", "",
             f"- date: {data['date']}{' - ' + data['finished'] if data.get('finished') else ' (running)'}",
             f"- device: {env.get('gpu', 'no GPU')} (driver {env.get('driver')}, CUDA {env.get('torch_cuda')}), "
             f"{env.get('cpus')} CPUs, commit {env.get('commit')}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in (env.get("versions") or {}).items() if v),
             f"- sandbox: {box.get('status')}; a {box.get('job_device', 'cuda')} job with a Triton kernel inside: "
             f"{'ok' if box.get('gpu_job_ok') else 'FAILED'}; driver: {box.get('driver')}"
             + (f"; **{box['fallback']}**" if box.get("fallback") else "")
             + ("" if box.get("confined", True) or box.get("fallback") else "; **candidates run UNCONFINED "
                "(--unconfined)**"),
             "- peaks (timing floor): " + (f"copy {peaks['bandwidth_Bps'] / 1e12:.3f} TB/s, fp32 matmul "
                                            f"{peaks['flops'] / 1e12:.1f} TFLOP/s ({peaks['method']})"
                                            if peaks and "error" not in peaks else
                                            f"not measured: {peaks['error']}" if peaks else "none (not timed)"),
             f"- a winner must beat porter's port by {data['min_speedup']}x; the executor's worker times the first "
             "trial (the first golden case, named per harness below): the launch sequence with the device "
             "synchronized, the median of its repetitions (RunResult.seconds)", ""]
    timed = {k: v for k, v in data["harnesses"].items() if "timed_trial" in v}
    if timed or data["harnesses"]:
        lines += ["| harness | port time | timed trial | large held-out trial |", "|---|---|---|---|"]
        for key, info in data["harnesses"].items():
            if "error" in info:
                lines.append(f"| {key} | error: {_cell(info['error'])} | | |")
                continue
            large = next((t for t in info["trials"] if t["kind"] == "large"), None)
            lines.append(f"| {key} | {_us(info['port_seconds'])} | {info['timed_trial']['name']} "
                         f"{_sizes(info['timed_trial']['sizes'])} | {_sizes(large['sizes']) if large else '-'} |")
        lines.append("")
    lines += ["| candidate | class | kernel | target | static | verdict | check: reason | time | vs port "
              "| as expected |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in data["candidates"]:
        verdict = "error" if r["error"] else ("accepted" if r["accepted"] else "rejected")
        reason = r["error"] if r["error"] else (f"{r['rejected_by']}: {r['reason']}" if not r["accepted"] else
                                                "every check passed")
        lines.append(f"| {r['name']} | {r['class']} | {r['kernel']} | {r['target']} | {r['static']} | {verdict} | "
                     f"{_cell(reason)} | {_us(r['seconds'])} | {'%.2fx' % r['speedup'] if r['speedup'] else '-'} | "
                     f"{'yes' if r.get('as_expected') else 'NO (expected ' + ' or '.join(r['expected']) + ')'} |")
    for key in ("loop", "loop_again"):
        record = data.get(key)
        if record:
            lines += ["", f"## The loop ({record['kernel']}, answers replayed from {', '.join(record['answers'])})", ""]
            if record.get("error"):
                lines.append(f"error: {record['error']}")
            else:
                lines.append(f"{record['verdict']}; kept: {record['kept_is']} (sha256 {record['kept_sha256'][:16]})")
                for c in record["candidates"]:
                    lines.append(f"- {c['name']}: " + ("accepted, " + _us(c["seconds"]) +
                                                       (f", {c['speedup']:.2f}x the port" if c["speedup"] else "")
                                                       if c["accepted"] else
                                                       f"rejected by {c['rejected_by']}: {_cell(c['reason'])}"))
    large = data.get("large_timing")
    if large and large.get("runs"):
        lines += ["", f"## Informative: the same modules timed on the large held-out trial "
                      f"{_sizes((large.get('trial') or {}).get('sizes', {}))}", ""]
        for label, run in large["runs"].items():
            failed = "" if run["ok"] else f" (failed: {_cell(run['error'])})"
            lines.append(f"- {label}: {_us(run['seconds'])}{failed}")
        if large.get("speedup"):
            lines.append(f"- speed-up: {large['speedup']}x")
    if data.get("summary"):
        lines += ["", "## Summary", "", "```", json.dumps(data["summary"], indent=1), "```"]
    return "\n".join(lines) + "\n"


# -- helpers ----------------------------------------------------------------------------------------
def _log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _us(seconds) -> str:
    return f"{seconds * 1e6:.1f} us" if seconds else "-"


def _sizes(sizes: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sizes.items())


def _cell(text: str, most: int = 220) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= most else text[:most] + "..."


def _plain(value):
    """JSON for numpy scalars and anything else a report may hold."""
    if hasattr(value, "item"):
        return value.item()
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def _git_commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = done.stdout.strip() or None
    # A copied working tree can carry an older .git: say when the files differ from that commit.
    changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                             capture_output=True, text=True, timeout=30).stdout.split("\n")
    changed = [line[3:] for line in changed if line.strip()]
    if commit and changed:
        commit += f" with {len(changed)} tracked file(s) changed: {', '.join(changed[:8])}"
    return commit


if __name__ == "__main__":
    sys.exit(main())
