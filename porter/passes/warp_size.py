"""Warp-size assumptions: code that is only right when a warp has 32 lanes.

AMD wavefronts have 64 lanes (gfx9 data-centre parts), Trainium and TPUs have no warps; a tile
backend or the HIP port has to rewrite each of these. Findings (each also a P0312 diagnostic):

* ``lane-arithmetic``: ``x % 32``, ``x & 31``, ``x / 32``, ``x >> 5`` on a thread-dependent value
  (lane and warp ids), ``blockDim.x / 32`` (warps per block), ``tid < 32`` (the first warp);
* ``shuffle-offset``: a shuffle loop starting at 16 (half of 32), a literal 16 offset, width 32;
* ``full-mask``: ``0xffffffff`` as the lane mask of a ``*_sync`` built-in;
* ``ballot-32``: a ballot result kept in a 32-bit integer, or fed to ``__popc``/``__ffs``/``__brev``;
* ``lane-array``: a shared array of 32 (or 33) elements, one per lane or per warp.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from porter import diagnostics
from porter.diagnostics import Diagnostic
from porter.ir import intrinsics
from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.module import Function, Module
from porter.ir.printer import print_expr
from porter.ir.walk import walk
from porter.passes.uniformity import UniformityInfo, analyze

FULL_MASK = 0xFFFFFFFF
_LANE_OPS = {("%", 32), ("&", 31), ("/", 32), (">>", 5), ("<", 32), (">=", 32), ("*", 32)}
_BALLOT_CONSUMERS = {"__popc", "__ffs", "__brev", "__clz"}


@dataclass(frozen=True)
class Finding:
    kind: str
    node: N.Node
    text: str

    def render(self) -> str:
        return f"{self.kind}@{self.node.span.line}:{self.node.span.col} {self.text}"


@dataclass
class WarpSizeInfo:
    function: Function
    findings: list[Finding] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [diagnostics.make("P0312", f"{f.kind.replace('-', ' ')}: `{f.text}`", f.node.span)
                for f in self.findings]

    def render(self) -> str:
        lines = [f"warp-size {self.function.full_name}: {len(self.findings)} assumption(s)"]
        lines += [f"  {f.render()}" for f in self.findings]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class WarpSize:
    name: ClassVar[str] = "warp-size"

    def apply(self, module: Module) -> dict[str, WarpSizeInfo]:
        return {fn.full_name: find_warp_assumptions(fn, module) for fn in module.functions if fn.body is not None}


def find_warp_assumptions(fn: Function, module: Module | None = None,
                          uniformity: UniformityInfo | None = None) -> WarpSizeInfo:
    uni = uniformity or analyze(fn, module)
    info = WarpSizeInfo(fn)
    seen: set[int] = set()

    def add(kind: str, node: N.Node, text: str | None = None) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        info.findings.append(Finding(kind, node, text if text is not None else print_expr(node)))

    ballots = _ballot_variables(fn)
    for node in walk(fn.body):
        if isinstance(node, N.Binary):
            _lane_arithmetic(node, uni, add)
        elif isinstance(node, N.Intrinsic):
            _intrinsic(node, ballots, add)
        elif isinstance(node, N.For):
            _shuffle_loop(node, add)
        elif isinstance(node, N.Decl) and _is_ballot(node.init) and isinstance(node.var_type, T.Scalar) \
                and node.var_type.size == 4:
            add("ballot-32", node, f"{node.var_type} {node.name} = {print_expr(node.init)}")
    for var in fn.shared:
        if isinstance(var.type, T.Array) and var.type.dims and var.type.dims[0] in (32, 33):
            add("lane-array", var_node(var), f"__shared__ {var.name}{''.join(f'[{d}]' for d in var.type.dims)}")
    info.findings.sort(key=lambda f: (f.node.span.start, f.kind))
    return info


def var_node(var) -> N.Node:
    """Shared variables are not statements; a stand-in node carries their span."""
    return N.OpaqueStmt(var.name, "shared", span=var.span)


def _const(e: N.Expr) -> int | None:
    if isinstance(e, N.Const) and isinstance(e.value, int) and not isinstance(e.value, bool):
        return e.value
    if isinstance(e, N.Cast):
        return _const(e.operand)
    return None


def _lane_arithmetic(node: N.Binary, uni: UniformityInfo, add) -> None:
    value = _const(node.rhs)
    if value is None or (node.op, value) not in _LANE_OPS:
        return
    lhs = uni.value(node.lhs)
    thread_dependent = not lhs.is_uniform
    warps_per_block = isinstance(node.lhs, N.Builtin) and node.lhs.name == "blockDim" and node.op in ("/", ">>")
    if node.op == "*" and not thread_dependent:
        return
    if thread_dependent or warps_per_block:
        add("lane-arithmetic", node)


def _intrinsic(node: N.Intrinsic, ballots: set[str], add) -> None:
    if (node.name.endswith("_sync") or node.name == "__syncwarp") and node.args and _const(node.args[0]) == FULL_MASK:
        add("full-mask", node.args[0], f"{node.name}(0xffffffff, ...)")
    if node.group == intrinsics.SHUFFLE:
        sync = node.name.endswith("_sync")
        width_index = 3 if sync else 2
        offset_index = 2 if sync else 1
        if len(node.args) > width_index and _const(node.args[width_index]) == 32:
            add("shuffle-offset", node.args[width_index], f"{node.name}(..., width 32)")
        if node.name not in ("__shfl_sync", "__shfl") and len(node.args) > offset_index \
                and _const(node.args[offset_index]) == 16:
            add("shuffle-offset", node.args[offset_index], f"{node.name}(..., 16)")
    if node.name in _BALLOT_CONSUMERS and node.args and any(
            _is_ballot(n) or (isinstance(n, N.Var) and n.name in ballots) for n in walk(node.args[0])):
        add("ballot-32", node)


def _shuffle_loop(loop: N.For, add) -> None:
    init = next((s for s in loop.init if isinstance(s, N.Decl) and s.init is not None), None)
    if init is None or _const(init.init) != 16:
        return
    uses_shuffle = any(isinstance(n, N.Intrinsic) and n.group == intrinsics.SHUFFLE and
                       any(isinstance(a, N.Var) and a.name == init.name for a in n.args)
                       for n in walk(loop.body))
    if uses_shuffle:
        add("shuffle-offset", init, f"for ({init.name} = 16; ...) shuffles")


def _is_ballot(e: N.Expr | None) -> bool:
    return isinstance(e, N.Intrinsic) and e.name in ("__ballot_sync", "__ballot", "__activemask")


def _ballot_variables(fn: Function) -> set[str]:
    names = set()
    for node in walk(fn.body):
        if isinstance(node, N.Decl) and _is_ballot(node.init):
            names.add(node.name)
        elif isinstance(node, N.Assign) and isinstance(node.target, N.Var) and _is_ballot(node.value):
            names.add(node.target.name)
    return names
