"""Per-kernel summary: every analysis run once, and what they mean for a tile backend.

:func:`analyze_module` runs uniformity, memory access, barriers, idioms and warp-size on every
function with a body and returns a :class:`ModuleAnalysis`: the per-function results (for the
tile lowering) and one :class:`KernelSummary` per kernel, which folds in what the kernel's
device-function callees do (a ``warp_reduce`` helper makes its caller a reduction).

Categories, first match wins: matmul, scan, reduction, atomic, stencil, gather, elementwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from porter.diagnostics import Diagnostic
from porter.ir import intrinsics
from porter.ir import nodes as N
from porter.ir.module import Function, Module
from porter.ir.walk import walk
from porter.passes.barriers import BarrierInfo, analyze_barriers, is_block_barrier
from porter.passes.idioms import IdiomInfo, find_idioms
from porter.passes.memory import ATOMIC, MemoryInfo, analyze_memory
from porter.passes.uniformity import UniformityInfo, analyze
from porter.passes.warp_size import WarpSizeInfo, find_warp_assumptions

CATEGORIES = ("matmul", "scan", "reduction", "atomic", "stencil", "gather", "elementwise")
_REDUCTIONS = {"tree-reduction", "warp-reduction", "unrolled-shared-reduction", "atomic-accumulate"}


@dataclass
class FunctionAnalysis:
    """All analyses of one function, as the tile lowering reads them."""

    function: Function
    uniformity: UniformityInfo
    memory: MemoryInfo
    barriers: BarrierInfo
    idioms: IdiomInfo
    warp_size: WarpSizeInfo

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.barriers.diagnostics + self.warp_size.diagnostics


@dataclass
class KernelSummary:
    name: str
    category: str
    thread_dims: tuple[str, ...]
    shared_bytes: int
    dynamic_shared: bool
    block_barriers: int
    idioms: list[str]
    arrays: list[tuple[str, str, str, str]]  # name, space, mode, patterns
    warp_assumptions: int
    needs: list[str]
    findings: list[Diagnostic] = field(default_factory=list)

    def render(self) -> str:
        shared = f"{self.shared_bytes} bytes static" + (" + dynamic" if self.dynamic_shared else "")
        lines = [f"kernel {self.name}",
                 f"  category: {self.category}",
                 f"  threads: {', '.join(self.thread_dims) or '-'}",
                 f"  shared memory: {shared}",
                 f"  block barriers: {self.block_barriers}",
                 f"  idioms: {', '.join(self.idioms) or '-'}"]
        for name, space, mode, patterns in self.arrays:
            lines.append(f"  array {name}: {space} {mode} {patterns}")
        lines.append(f"  warp-size assumptions: {self.warp_assumptions}")
        lines += [f"  needs: {need}" for need in self.needs]
        lines += [f"  {d.severity}[{d.id}] {d.span.line}:{d.span.col}: {d.message}" for d in self.findings]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict:
        return {
            "kernel": self.name, "category": self.category, "thread_dims": list(self.thread_dims),
            "shared_bytes": self.shared_bytes, "dynamic_shared": self.dynamic_shared,
            "block_barriers": self.block_barriers, "idioms": self.idioms,
            "arrays": [{"name": n, "space": s, "mode": m, "patterns": p} for n, s, m, p in self.arrays],
            "warp_size_assumptions": self.warp_assumptions, "needs": self.needs,
            "findings": [d.to_json() for d in self.findings],
        }


@dataclass
class ModuleAnalysis:
    module: Module
    functions: dict[str, FunctionAnalysis] = field(default_factory=dict)
    summaries: dict[str, KernelSummary] = field(default_factory=dict)

    def render(self) -> str:
        return "\n".join(s.render() for s in self.summaries.values())

    def render_all(self) -> str:
        """Every analysis of every function, then the kernel summaries (expected-output tests)."""
        parts = []
        for analysis in self.functions.values():
            parts += [analysis.uniformity.render(), analysis.memory.render(), analysis.barriers.render(),
                      analysis.idioms.render(), analysis.warp_size.render()]
        parts += [s.render() for s in self.summaries.values()]
        return "\n".join(parts)


@dataclass(frozen=True)
class Summary:
    name: ClassVar[str] = "summary"

    def apply(self, module: Module) -> ModuleAnalysis:
        return analyze_module(module)


def analyze_function(fn: Function, module: Module | None = None) -> FunctionAnalysis:
    uni = analyze(fn, module)
    mem = analyze_memory(fn, module, uni)
    return FunctionAnalysis(fn, uni, mem, analyze_barriers(fn, module, mem), find_idioms(fn, module, mem),
                            find_warp_assumptions(fn, module, uni))


def analyze_module(module: Module) -> ModuleAnalysis:
    result = ModuleAnalysis(module)
    for fn in module.functions:
        if fn.body is not None:
            result.functions[fn.full_name] = analyze_function(fn, module)
    for fn in module.functions:
        if fn.is_kernel and fn.body is not None and not (fn.is_template and _has_instance(module, fn)):
            result.summaries[fn.full_name] = summarize(fn, module, result.functions)
    return result


def _has_instance(module: Module, template: Function) -> bool:
    return any(f.name == template.name and f.template_args for f in module.functions)


def _callees(fn: Function, module: Module) -> list[Function]:
    """Device functions ``fn`` calls, transitively, each once."""
    found: list[Function] = []
    todo = [fn]
    while todo:
        current = todo.pop()
        for node in walk(current.body):
            if isinstance(node, N.Call):
                callee = module.function(node.callee, len(node.args))
                if callee is not None and callee.body is not None and callee is not fn and callee not in found:
                    found.append(callee)
                    todo.append(callee)
    return found


def summarize(fn: Function, module: Module, analyses: dict[str, FunctionAnalysis]) -> KernelSummary:
    own = analyses[fn.full_name]
    parts = [own] + [analyses[c.full_name] for c in _callees(fn, module) if c.full_name in analyses]
    idioms = [i for a in parts for i in a.idioms.idioms]
    kinds = {i.kind for i in idioms}
    mem = own.memory
    dims = tuple(sorted({n.dim for a in parts for n in walk(a.function.body)
                         if isinstance(n, N.Builtin) and n.name == "threadIdx"}))
    shared = sum(s.bytes or 0 for s in fn.shared)
    dynamic = any(s.dynamic for s in fn.shared)
    barriers = sum(1 for b in own.barriers.barriers if is_block_barrier(b))
    category = _category(kinds, idioms, parts)
    arrays = [(a.name, a.space, a.mode, ",".join(sorted(a.patterns))) for a in mem.arrays.values()]
    warp = sum(len(a.warp_size.findings) for a in parts)
    findings = [d for a in parts for d in a.diagnostics]
    return KernelSummary(fn.full_name, category, dims, shared, dynamic, barriers,
                         [i.render() for i in idioms], arrays, warp,
                         _needs(fn, own, parts, kinds, dims, dynamic, barriers, warp), findings)


def _category(kinds: set[str], idioms, parts: list[FunctionAnalysis]) -> str:
    if "tiled-matmul" in kinds:
        return "matmul"
    dot_loops = [i for i in idioms if i.kind == "dot-product-loop"]
    if any(not _short_loop(i.node) for i in dot_loops):
        return "matmul"
    if kinds & {"block-scan", "warp-scan"}:
        return "scan"
    if kinds & _REDUCTIONS:
        return "reduction"
    if "histogram" in kinds or any(a.kind == ATOMIC for p in parts for a in p.memory.accesses):
        return "atomic"
    if "stencil" in kinds or dot_loops:
        return "stencil"
    if any((a.pattern in ("gather", "scatter") or a.indirect) and a.space == "global"
           for p in parts for a in p.memory.accesses):
        return "gather"
    return "elementwise"


def _short_loop(loop: N.For) -> bool:
    """A loop over a few constant offsets (``for (dx = -1; dx <= 1; ++dx)``): a stencil's taps."""
    init = next((s.init for s in loop.init if isinstance(s, N.Decl)), None)
    cond = loop.cond
    start = _int(init)
    if start is None or not isinstance(cond, N.Binary) or cond.op not in ("<", "<="):
        return False
    end = _int(cond.rhs)
    return end is not None and end - start + (1 if cond.op == "<=" else 0) <= 8


def _int(e: N.Expr | None) -> int | None:
    if isinstance(e, N.Const) and isinstance(e.value, int) and not isinstance(e.value, bool):
        return e.value
    if isinstance(e, N.Unary) and e.op == "-":
        inner = _int(e.operand)
        return -inner if inner is not None else None
    return None


def _needs(fn: Function, own: FunctionAnalysis, parts: list[FunctionAnalysis], kinds: set[str],
           dims: tuple[str, ...], dynamic: bool, barriers: int, warp: int) -> list[str]:
    needs: list[str] = []
    if len(dims) > 1:
        needs.append(f"{len(dims)}-D thread block ({', '.join(dims)}): a multi-dimensional tile")
    if "grid-stride-loop" in kinds:
        needs.append("grid-stride loop: iterate over tiles of the index space")
    for idiom in (i for p in parts for i in p.idioms.idioms):
        if idiom.kind == "tree-reduction":
            needs.append(f"block reduction ({idiom.detail('op')}) of shared {idiom.detail('array')}: a tile reduce")
        elif idiom.kind in ("warp-reduction", "unrolled-shared-reduction"):
            needs.append(f"warp reduction ({idiom.detail('op')}): a reduce over lanes")
        elif idiom.kind in ("block-scan", "warp-scan"):
            needs.append(f"{idiom.kind.replace('-', ' ')}: a cumulative sum over the tile")
        elif idiom.kind == "tiled-matmul":
            needs.append(f"tiled matmul over {idiom.detail('tiles')}: a dot of tiles, shared staging dropped")
        elif idiom.kind == "histogram":
            needs.append(f"atomics at data-dependent indices of {idiom.detail('array')} ({idiom.detail('space')})")
    gathers = sorted({a.array for p in parts for a in p.memory.accesses if a.pattern in ("gather", "scatter")
                      and a.kind != ATOMIC})
    if gathers:
        needs.append(f"indexed (gather/scatter) access to {', '.join(gathers)}")
    vectors = sorted({a.array for a in own.memory.accesses if a.vector > 1})
    if vectors:
        needs.append(f"vector access to {', '.join(vectors)}")
    if dynamic:
        needs.append("dynamic shared memory: its size comes from the launch")
    if barriers:
        needs.append(f"{barriers} block barrier(s): sequential phases")
    if any(not loop.uniform_trip for p in parts for loop in p.uniformity.loops.values()):
        needs.append("loops with thread-dependent trip counts: masked iterations")
    guarded = sorted({g for a in own.memory.accesses if a.space == "global" for g in a.guards[:1]})
    if guarded:
        needs.append(f"masks: {'; '.join(guarded[:4])}")
    if warp:
        needs.append(f"{warp} warp-size assumption(s) to make generic")
    opaque = [n for p in parts for n in walk(p.function.body) if isinstance(n, (N.OpaqueStmt, N.OpaqueExpr))]
    if opaque:
        reasons = sorted({n.reason for n in opaque})
        needs.append(f"code porter does not model ({', '.join(reasons)}): a hand port")
    if any(isinstance(n, N.Intrinsic) and n.group == intrinsics.VOTE for p in parts for n in walk(p.function.body)):
        needs.append("warp votes (ballot/any/all): lane masks")
    return needs
