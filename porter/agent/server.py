"""porter's Model Context Protocol server: porter's Python API as typed tools for coding agents.

Built on the official ``mcp`` SDK (``pip install 'porter[agent]'``); ``porter mcp`` serves it over
stdio. Each tool takes typed arguments (their JSON schema comes from the type hints) and returns
JSON. Bad input (a missing file, an unknown target, a bad option) comes back as a tool error with
porter's diagnostic id and hint; the server never stops for it. Long work (check, port) runs in a
worker thread and reports progress with the protocol's progress notifications.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any, Literal

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from porter import __version__
from porter.backends.base import available_backends
from porter.check.run import CHECKERS
from porter.golden.errors import GoldenError
from porter.source import InputError

Target = Literal[tuple(available_backends())]  # type: ignore[valid-type]  # the JSON schema's enum
CheckBackend = Literal[tuple(sorted(CHECKERS))]  # type: ignore[valid-type]
CATALOGUE = Path(__file__).resolve().parents[1] / "diagnostic_catalogue.toml"

server = MCPServer("porter", version=__version__, log_level="WARNING", instructions=(
    "porter ports CUDA kernels to HIP, Triton, JAX Pallas and AWS NKI. Work in this order: analyze, "
    "translate (or port a tree), check against the goldens, bench on a GPU machine. A diagnostic "
    "P#### marks code porter cannot express: read it with the explain tool; never hide it."))


def guarded(tool):
    """Turn porter's user errors into tool errors with their id and hint; porter's bugs say so."""

    @functools.wraps(tool)
    async def wrapper(*args, **kwargs):
        try:
            return await tool(*args, **kwargs)
        except ToolError:
            raise
        except InputError as error:
            raise ToolError(_message(error.diag_id, error.message, error.hint)) from None
        except GoldenError as error:
            raise ToolError(_message(None, error.message, error.hint)) from None
        except (ValueError, TypeError, KeyError) as error:  # bad option values, unknown names
            raise ToolError(_message("P0090", str(error).strip("'\""), None)) from None
        except Exception as error:  # noqa: BLE001 - a request must never stop the server
            raise ToolError(f"internal error in porter, please report: {type(error).__name__}: {error}") from None

    return wrapper


def _message(diag_id: str | None, message: str, hint: str | None) -> str:
    return (f"error[{diag_id}]: " if diag_id else "error: ") + message + (f" (hint: {hint})" if hint else "")


def _existing(path: str, what: str = "file") -> Path:
    found = Path(path).expanduser()
    if not found.exists():
        raise InputError("P0001", f"no such {what}: {path}", "paths are relative to the server's working "
                         f"folder ({Path.cwd()}); give an absolute path")
    return found


def _options(target: str, **values: Any) -> dict[str, Any]:
    from porter.backends.base import get_backend, make_options
    from porter.cli.options import backend_options

    options = backend_options(target, **values)
    make_options(get_backend(target), options)  # a bad value is a ValueError here, before any work
    return options


class _Progress:
    """porter's progress protocols (check: cases; port: files) as MCP progress notifications,
    sent from the worker thread the work runs in."""

    def __init__(self, ctx: Context, unit: str) -> None:
        self.ctx, self.unit, self.done, self.total = ctx, unit, 0, 0

    def start(self, total: int) -> None:
        self.total = total
        self._send()

    def advance(self, first, records=None) -> None:  # check: (cases, records); port: (records)
        self.done += first if records is not None else len(first)
        self._send()

    def _send(self) -> None:
        anyio.from_thread.run(self.ctx.report_progress, self.done, self.total or None,
                              f"{self.done}/{self.total} {self.unit}")


@server.tool()
@guarded
async def translate(target: Target, file: str | None = None, source: str | None = None,
                    hip_version: str = "6.3", offload_arch: str = "gfx90a",
                    launch_syntax: Literal["chevron", "ggl"] = "chevron", flavor: Literal["gpu", "tpu"] = "gpu",
                    instantiate: list[str] | None = None, include_code: bool = True) -> dict[str, Any]:
    """Translate one CUDA file (`file`, a path) or CUDA text (`source`) to `target`. Returns the code,
    `ok` (false when an error diagnostic marks code that needs a person), the diagnostics (id,
    severity, file:line:col span, message, hint) and the edits. HIP options: hip_version,
    offload_arch, launch_syntax; tile targets: flavor (pallas), instantiate (template kernels)."""
    import porter

    if (file is None) == (source is None):
        raise ToolError(_message("P0090", "give exactly one of `file` (a path) or `source` (CUDA text)", None))
    options = _options(target, hip_version=hip_version, offload_arch=offload_arch, launch_syntax=launch_syntax,
                       flavor=flavor, instantiate=tuple(instantiate or ()))
    result = await anyio.to_thread.run_sync(
        lambda: porter.translate(_existing(file) if file is not None else source, target, **options))
    return {**result.to_json(), **({"code": result.code} if include_code else {})}


@server.tool()
@guarded
async def port(src_dir: str, out_dir: str, target: Target, ctx: Context, force: bool = False, jobs: int = 1,
               shard: str | None = None, hip_version: str = "6.3", offload_arch: str = "gfx90a") -> dict[str, Any]:
    """Port the tree `src_dir` into `out_dir` (mirrored; CUDA/C++ sources translated, other files
    copied; files already up to date are skipped unless `force`). `shard` "K/N" ports one shard.
    Writes out_dir/report.json and report.md; returns the summary and the files that failed or
    carry error diagnostics."""
    from porter.port import execute, plan_port
    from porter.report import report_json, write_reports

    options = _options(target, hip_version=hip_version, offload_arch=offload_arch)
    plan = plan_port(_existing(src_dir, "folder"), Path(out_dir), target, force=force, **options)
    if shard is not None:
        from porter.shard import Shard, shard_port_plan

        plan = shard_port_plan(plan, Shard.parse(shard))
    run = await anyio.to_thread.run_sync(lambda: execute(plan, max(1, jobs), _Progress(ctx, "files")))
    reports = write_reports(run)
    document = report_json(run)
    needing_attention = [f for f in document["files"] if f["status"] == "failed"
                         or any(d.get("severity") == "error" for d in f["diagnostics"])]
    return {"summary": document["summary"], "reports": [str(p) for p in reports], "attention": needing_attention}


@server.tool()
@guarded
async def analyze(file: str, frontend: Literal["auto", "clang", "treesitter"] = "auto") -> dict[str, Any]:
    """What porter's analyses find in each kernel of `file`: category, shared memory, idioms,
    accesses, what a tile backend needs, and findings (divergent barriers, races, warp size)."""
    from porter.frontends.ir_frontend import build_ir
    from porter.passes.summary import analyze_module
    from porter.source import read_source_file

    def work() -> dict[str, Any]:
        module = build_ir(read_source_file(_existing(file)), frontend)
        result = analyze_module(module)
        return {"file": file, "frontend": module.frontend, "kernels": [s.to_json() for s in result.summaries.values()],
                "diagnostics": [d.to_json() for d in module.diagnostics]}

    return await anyio.to_thread.run_sync(work)


@server.tool()
@guarded
async def check(ctx: Context, paths: list[str] | None = None, backends: list[CheckBackend] | None = None,
                case: str | None = None, shard: str | None = None, build_dir: str = ".porter-check",
                records: Literal["all", "failing", "none"] = "all") -> dict[str, Any]:
    """Check ports against the golden outputs of the original CUDA: kernel specs (NAME.toml beside
    NAME.cu) or folders of them (default: porter's corpus), on `backends` (default: all), cases
    matching the glob `case` (e.g. 'saxpy/*'), `shard` "K/N". Returns the summary (pass, fail,
    unsupported, unavailable, error) and the records; only `pass` is a pass."""
    from porter.check.formats import summary_line
    from porter.check.machine import Machine
    from porter.check.records import FAILING, summarise
    from porter.check.run import DEFAULT_PATHS, check as run_checks
    from porter.check.shards import select
    from porter.shard import Shard

    roots = [_existing(p, "spec or folder") for p in paths or ()]
    chosen = tuple(backends or sorted(CHECKERS))
    selection = select(roots, DEFAULT_PATHS, chosen, case, Shard.parse(shard) if shard else None)
    if not selection.cases:
        raise ToolError(_message("P0090", f"no case matches {case!r}", "case globs look like 'saxpy/*' or '*/n1000'"))
    machine = Machine(Path(build_dir), None)
    found = await anyio.to_thread.run_sync(
        lambda: run_checks(roots, chosen, case, machine, progress=_Progress(ctx, "cases"), keep=selection.keep))
    found = selection.order(found)
    shown = [r for r in found if records == "all" or (records == "failing" and r.status in FAILING)]
    return {"summary": summarise(found), "line": summary_line(found), "ok": not any(r.status in FAILING for r in found),
            "machine": {"gpu": machine.gpu.name if machine.gpu else None, "unavailable": machine.missing},
            "records": [r.to_json() for r in shown]}


@server.tool()
@guarded
async def bench(paths: list[str] | None = None, case: str | None = None,
                backends: list[Literal["cuda", "hip", "triton", "pallas"]] | None = None) -> dict[str, Any]:
    """What `porter bench` would time here (its dry run). Timing itself needs an NVIDIA GPU and
    minutes of the GPU to itself: run `porter bench` in a terminal on that machine."""
    from porter.bench.run import dry_run_lines, selection
    from porter.bench.timers import Settings
    from porter.cli.golden import load_specs

    chosen = selection(load_specs(tuple(_existing(p) for p in paths or ())), case)
    if not chosen:
        raise ToolError(_message("P0090", f"no case matches {case!r}", None))
    return {"plan": dry_run_lines(chosen, list(backends or ("cuda", "hip", "triton", "pallas")), Settings()),
            "timing": "run `porter bench` (with the same paths, --case and --backend) on a machine with an NVIDIA GPU"}


@server.tool()
@guarded
async def explain(diagnostic_id: str) -> dict[str, Any]:
    """What a diagnostic id (e.g. P0210) means: its title, default severity and hint."""
    entry = _catalogue().get(diagnostic_id.strip().upper())
    if entry is None:
        raise ToolError(_message("P0090", f"unknown diagnostic id {diagnostic_id!r}",
                                 "ids look like P0210; read the resource porter://diagnostics for all of them"))
    return {"id": diagnostic_id.strip().upper(), **entry}


@server.tool()
@guarded
async def doctor() -> dict[str, Any]:
    """Which toolchains this machine has and which checks can run here (without the hipcc gate test)."""
    from porter.doctor import diagnose

    return await anyio.to_thread.run_sync(lambda: diagnose(gate=False))


@server.resource("porter://diagnostics", mime_type="application/json", description="Every porter diagnostic id "
                 "with its title, default severity and hint (porter/diagnostic_catalogue.toml).")
def diagnostics() -> dict[str, Any]:
    return _catalogue()


@functools.cache
def _catalogue() -> dict[str, dict[str, Any]]:
    with CATALOGUE.open("rb") as handle:
        return tomllib.load(handle)["diagnostic"]


def serve() -> None:
    server.run("stdio")
