"""Barrier regions: the code between ``__syncthreads()`` calls, and what shared memory each
region produces and consumes.

The body is cut at every block barrier (``__syncthreads``, ``__syncthreads_count``...) and, for
the race check only, at warp barriers (``__syncwarp``). A loop with a barrier inside joins the
region at its end with the region at its start (the back edge). For each shared array the
result lists producer regions (stores, atomics) and consumer regions (loads) and the
producer -> consumer edges across barriers, which is what the tile lowering turns into
sequential phases.

Findings, as diagnostics:

* P0310: a block barrier under thread-dependent control (a divergent ``if``, a loop with a
  thread-dependent trip count, or after a thread-dependent early ``return``);
* P0311: a possible race: in one region, threads read (or write) elements of a shared array
  that other threads write, e.g. ``s[tid] = x; y = s[tid + 1];`` with no barrier between.
  A tree step ``if (tid < s) a[tid] += a[tid + s]`` is recognised as race free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from porter import diagnostics
from porter.diagnostics import Diagnostic
from porter.ir import nodes as N
from porter.ir.module import Function, Module
from porter.ir.walk import walk
from porter.passes.memory import ATOMIC, LOAD, STORE, Access, MemoryInfo, analyze_memory
from porter.passes.poly import depends_on_thread, split

_BLOCK_SYNC = {"__syncthreads_count", "__syncthreads_and", "__syncthreads_or"}


@dataclass
class Region:
    """Straight-line code between barriers. ``concurrent`` lists the regions whose accesses may
    run at the same time as this one's in other threads: the region a loop's last barrier
    leads back to (the back edge), the code just before or after a loop that has barriers."""

    id: int
    start: N.Node | None  # the barrier that opens it (None: entry, or a loop's start or end)
    accesses: list[Access] = field(default_factory=list)
    scope: str = "block"  # block or warp barrier; "flow" when a loop boundary opened it
    concurrent: set[int] = field(default_factory=set)
    loops: tuple[int, ...] = ()  # the loops with barriers it sits in (ids), outermost first

    def label(self) -> str:
        where = f"@{self.start.span.line}" if self.start is not None else ""
        return f"r{self.id}{where}"


@dataclass
class SharedFlow:
    array: str
    producers: list[int] = field(default_factory=list)
    consumers: list[int] = field(default_factory=list)
    edges: list[tuple[int, int]] = field(default_factory=list)  # (producer region, consumer region)


@dataclass
class BarrierInfo:
    function: Function
    memory: MemoryInfo
    regions: list[Region] = field(default_factory=list)
    barriers: list[N.Node] = field(default_factory=list)
    flows: dict[str, SharedFlow] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def concurrent(self, a: int, b: int) -> bool:
        return a == b or b in self.regions[a].concurrent

    def render(self) -> str:
        block = sum(1 for b in self.barriers if is_block_barrier(b))
        head = (f"barriers {self.function.full_name}: {block} block barrier(s), "
                f"{len(self.barriers) - block} warp barrier(s)")
        lines = [head]
        for region in self.regions:
            arrays = sorted({f"{a.kind} {a.array}" for a in region.accesses if a.space == "shared"})
            links = f" ~{_ids(sorted(region.concurrent))}" if region.concurrent else ""
            lines.append(f"  {region.label()} [{region.scope}]{links}: {', '.join(arrays) if arrays else '-'}")
        for flow in self.flows.values():
            edges = ", ".join(f"r{a}->r{b}" for a, b in flow.edges) or "none"
            lines.append(f"  shared {flow.array}: produced in {_ids(flow.producers)}, "
                         f"consumed in {_ids(flow.consumers)}, across barriers: {edges}")
        for diag in self.diagnostics:
            lines.append(f"  {diag.severity}[{diag.id}] {diag.span.line}:{diag.span.col}: {diag.message}")
        return "\n".join(lines) + "\n"


def _ids(ids: list[int]) -> str:
    return ", ".join(f"r{i}" for i in ids) or "-"


@dataclass(frozen=True)
class Barriers:
    name: ClassVar[str] = "barriers"

    def apply(self, module: Module) -> dict[str, BarrierInfo]:
        return {fn.full_name: analyze_barriers(fn, module) for fn in module.functions if fn.body is not None}


def analyze_barriers(fn: Function, module: Module | None = None, memory: MemoryInfo | None = None) -> BarrierInfo:
    mem = memory or analyze_memory(fn, module)
    info = BarrierInfo(fn, mem)
    _Cutter(info).block(fn.body, ())
    _flows(info)
    _races(info)
    return info


def is_block_barrier(node: N.Node) -> bool:
    if isinstance(node, N.Barrier):
        return node.scope == "block"
    return isinstance(node, N.Intrinsic) and node.name in _BLOCK_SYNC


def _has_barrier(node: N.Node) -> bool:
    return any(isinstance(n, N.Barrier) or (isinstance(n, N.Intrinsic) and n.name in _BLOCK_SYNC)
               for n in walk(node))


class _Cutter:
    def __init__(self, info: BarrierInfo):
        self.info = info
        self.uni = info.memory.uniformity
        self.by_node = info.memory.by_node
        self.loops: tuple[int, ...] = ()
        self.loop_count = 0
        self.current = self.new_region(None, "entry")
        self.divergent_exit: N.Node | None = None

    def new_region(self, start: N.Node | None, scope: str, concurrent_with: Region | None = None) -> Region:
        region = Region(len(self.info.regions), start, scope=scope, loops=self.loops)
        self.info.regions.append(region)
        if concurrent_with is not None:
            self.link(region, concurrent_with)
        return region

    def link(self, a: Region, b: Region) -> None:
        if a.id != b.id:
            a.concurrent.add(b.id)
            b.concurrent.add(a.id)

    def block(self, block: N.Block | None, controls: tuple) -> None:
        if block is None:
            return
        for stmt in block.body:
            self.stmt(stmt, controls)

    def stmt(self, s: N.Stmt, controls: tuple) -> None:
        if isinstance(s, (N.For, N.While, N.DoWhile)) and _has_barrier(s):
            self.loop(s, controls)
            return
        for node in _accesses_in_order(s):
            if node in self.by_node:
                self.current.accesses.append(self.by_node[node])
            if isinstance(node, N.Intrinsic) and node.name in _BLOCK_SYNC:
                self.barrier(node, controls, "block")
        match s:
            case N.Barrier():
                self.barrier(s, controls, s.scope)
            case N.Block():
                self.block(s, controls)
            case N.If():
                self.block(s.then, controls + (s,))
                if s.other is not None:
                    self.block(s.other, controls + (s,))
                if _returns(s.then) and self.uni.divergent.get(s) and self.divergent_exit is None:
                    self.divergent_exit = s
            case N.For() | N.While() | N.DoWhile():
                self.block(s.body, controls + (s,))

    def loop(self, loop: N.Stmt, controls: tuple) -> None:
        """A loop with barriers: its top runs after the code before it and after its own tail."""
        before = self.current
        if isinstance(loop, N.For):
            for init in loop.init:
                self.stmt(init, controls)
        self.loop_count += 1
        self.loops = self.loops + (self.loop_count,)
        top = self.current = self.new_region(None, "flow", concurrent_with=before)
        cond = loop.cond
        if cond is not None:
            self.expr_accesses(cond)
        self.block(loop.body, controls + (loop,))
        if isinstance(loop, N.For):
            for step in loop.step:
                self.stmt(step, controls + (loop,))
        tail = self.current
        self.link(tail, top)
        self.loops = self.loops[:-1]
        self.current = self.new_region(None, "flow", concurrent_with=tail)

    def expr_accesses(self, e: N.Expr) -> None:
        for node in walk(e):
            if node in self.by_node:
                self.current.accesses.append(self.by_node[node])

    def barrier(self, node: N.Node, controls: tuple, scope: str) -> None:
        self.info.barriers.append(node)
        self.current = self.new_region(node, scope)
        if scope != "block":
            return
        for control in controls:
            divergent = (self.uni.divergent.get(control) if isinstance(control, N.If)
                         else not self.uni.loops[control].uniform_trip if control in self.uni.loops else False)
            if divergent:
                kind = "branch" if isinstance(control, N.If) else "loop"
                self.info.diagnostics.append(diagnostics.make(
                    "P0310", f"{_name(node)}() inside a thread-dependent {kind} (line {control.span.line}): "
                    "threads that skip it deadlock or race", node.span))
                return
        if self.divergent_exit is not None:
            self.info.diagnostics.append(diagnostics.make(
                "P0310", f"{_name(node)}() after a thread-dependent return (line {self.divergent_exit.span.line}): "
                "threads that returned never reach it", node.span))


def _name(node: N.Node) -> str:
    return node.name if isinstance(node, (N.Barrier, N.Intrinsic)) else "barrier"


def _returns(block: N.Block) -> bool:
    return any(isinstance(s, N.Return) for s in block.body)


def _accesses_in_order(s: N.Stmt) -> list[N.Node]:
    """The memory nodes a statement executes itself (not those of nested statements), reads
    before the write."""
    out: list[N.Node] = []
    exprs = [c for c in s.children() if isinstance(c, N.Expr)]
    for e in exprs:
        stack = [e]
        found = []
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(reversed(node.children()))
        out.extend(found)
    if isinstance(s, (N.Store, N.Assign)):
        out.append(s)
    return out


def _flows(info: BarrierInfo) -> None:
    for region in info.regions:
        for access in region.accesses:
            if access.space != "shared":
                continue
            flow = info.flows.setdefault(access.array, SharedFlow(access.array))
            target = flow.producers if access.kind in (STORE, ATOMIC) else flow.consumers
            if region.id not in target:
                target.append(region.id)
    for flow in info.flows.values():
        for producer in flow.producers:
            for consumer in flow.consumers:
                if info.concurrent(producer, consumer):
                    continue
                shared_loop = set(info.regions[producer].loops) & set(info.regions[consumer].loops)
                if producer < consumer or shared_loop:  # later in order, or next iteration
                    flow.edges.append((producer, consumer))


def _races(info: BarrierInfo) -> None:
    reported: set[str] = set()
    for region in info.regions:
        writes = [a for a in region.accesses if a.space == "shared" and a.kind in (STORE, ATOMIC)]
        near = [a for r in [region.id, *sorted(region.concurrent)] for a in info.regions[r].accesses
                if a.space == "shared"]
        for write in writes:
            for other in near:
                if other is write or other.array != write.array or write.array in reported:
                    continue
                if other.kind == ATOMIC and write.kind == ATOMIC:
                    continue
                if _may_conflict(info, write, other):
                    reported.add(write.array)
                    info.diagnostics.append(diagnostics.make(
                        "P0311", f"shared `{write.array}` is written (line {write.span.line}) and "
                        f"{'read' if other.kind == LOAD else 'written'} (line {other.span.line}) by different "
                        "threads with no barrier between", other.span))


def _may_conflict(info: BarrierInfo, write: Access, other: Access) -> bool:
    """Can a thread's ``other`` touch an element another thread's ``write`` writes?"""
    if write.index is None or other.index is None:
        return False  # data-dependent (histogram bins): atomics or owner-computes, not flagged
    if write.index == other.index:
        return False  # each thread its own element
    if not depends_on_thread(write.index) and not depends_on_thread(other.index):
        return False  # one uniform element: single writer by convention (`if (tid == 0)`)
    if not depends_on_thread(write.index):
        return False  # a single writer and many readers of one element is a broadcast hazard
    if _apart(write.index, other.index) or _apart(other.index, write.index):
        return False
    diff = other.index - write.index
    if any(atom.endswith("@offset") for atom in diff.atoms()):
        return False  # two pointers swapped between buffers (double buffering): assumed apart
    if depends_on_thread(diff):
        return True
    if other.kind in (STORE, ATOMIC) and diff.const_value is not None:
        return False  # each thread writes several elements a fixed distance apart (a, a + BLOCK)
    if _interleaved(write, other, diff):
        return False
    return not _disjoint_by_guard(info, write, diff)


def _apart(affine, constant) -> bool:
    """``c + k*tid`` (constants, k > 0) never meets a constant below ``c``: ``tile[tid + 1]`` and
    ``tile[0]``."""
    value = constant.const_value
    base, strides = split(affine)
    if value is None or base.const_value is None or set(strides) != {"x"}:
        return False
    stride = strides["x"].const_value
    return stride is not None and stride > 0 and base.const_value > value


def _interleaved(write: Access, other: Access, diff) -> bool:
    """Same thread stride ``S`` and ``S = k * diff`` (k >= 2): the two index sets never meet
    (``a[2*s*t] += a[2*s*t + s]``; Blelloch's ``offset*(2t+2)-1`` and ``offset*(2t+1)-1``)."""
    _, write_strides = split(write.index)
    _, other_strides = split(other.index)
    stride = write_strides.get("x")
    if stride is None or write_strides != other_strides:
        return False
    return any(stride == diff.scale(k) or stride == diff.scale(-k) for k in range(2, 65))


def _disjoint_by_guard(info: BarrierInfo, write: Access, diff) -> bool:
    """``if (tid < s) a[tid] (op)= a[tid + s]``: writes hit [0, s), reads [s, 2s)."""
    uni = info.memory.uniformity
    _, strides = split(write.index)
    if set(strides) != {"x"} or str(strides["x"]) != "1":
        return False
    for guard in write.guard_exprs:
        if isinstance(guard, N.Binary) and guard.op in ("<", "<="):
            bound = uni.value(guard.rhs)
            lhs = uni.value(guard.lhs)
            if bound.poly is None or lhs.poly != write.index:
                continue
            gap = (diff - bound.poly).const_value  # reads start this far past the last write
            if gap is not None and gap >= (0 if guard.op == "<" else 1):
                return True
    return False


