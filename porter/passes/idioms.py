"""Idioms: the patterns a tile backend replaces wholesale instead of translating line by line.

* ``grid-stride-loop`` / ``block-stride-loop``: ``for (i = base + tid; i < n; i += stride)``;
* ``tree-reduction``: a halving (or doubling) loop over shared memory with a barrier per step,
  ``if (tid < s) s_data[tid] += s_data[tid + s]`` (sequential or interleaved addressing);
* ``unrolled-shared-reduction``: the warp-synchronous tail ``s[t] += s[t+32]; s[t] += s[t+16] ...``;
* ``warp-reduction``: ``v += __shfl_down_sync(m, v, o)`` in a halving loop, or unrolled;
* ``warp-broadcast``: ``__shfl_sync(m, v, lane)`` with a uniform source lane;
* ``warp-scan`` (``__shfl_up_sync`` in a doubling loop) and ``block-scan`` (a doubling loop over
  shared memory that reads behind: ``s[tid - d]``);
* ``tiled-matmul``: a k-loop that stages tiles of two global arrays in shared memory, syncs,
  accumulates ``acc += As[..] * Bs[..]`` in an inner loop, syncs again;
* ``dot-product-loop``: the untiled ``for (k...) acc += A[..] * B[..]`` (naive matmul, GEMV);
* ``histogram``: atomics at a data-dependent index; ``atomic-accumulate``: atomics to one place;
* ``stencil``: an array read at several neighbouring offsets of the thread's own element.

A reduction loop that is not a tree (``s -= 1``, a step that does not halve) is not reported as
one; neither is a loop whose reads are not at a fixed distance from the write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from porter.ir import intrinsics
from porter.ir import nodes as N
from porter.ir.module import Function, Module
from porter.ir.printer import print_expr
from porter.ir.walk import walk
from porter.passes.barriers import is_block_barrier
from porter.passes.memory import ATOMIC, LOAD, STORE, MemoryInfo, analyze_memory
from porter.passes.poly import Poly, depends_on_thread, split

_COMBINE = {"fmaxf": "max", "fmax": "max", "max": "max", "fminf": "min", "fmin": "min", "min": "min",
            "__hmax": "max", "__hmin": "min", "umax": "max", "umin": "min"}
_SHUFFLES_DOWN = {"__shfl_down_sync", "__shfl_xor_sync", "__shfl_down", "__shfl_xor"}
_SHUFFLES_UP = {"__shfl_up_sync", "__shfl_up"}
_BROADCAST = {"__shfl_sync", "__shfl"}


@dataclass(frozen=True)
class Idiom:
    kind: str
    node: N.Node
    details: tuple[tuple[str, str], ...] = ()

    def detail(self, key: str) -> str | None:
        return dict(self.details).get(key)

    def render(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.details)
        return f"{self.kind}@{self.node.span.line}" + (f"({extra})" if extra else "")


@dataclass
class IdiomInfo:
    function: Function
    idioms: list[Idiom] = field(default_factory=list)

    def kinds(self) -> set[str]:
        return {i.kind for i in self.idioms}

    def render(self) -> str:
        lines = [f"idioms {self.function.full_name}"]
        lines += [f"  {i.render()}" for i in self.idioms] or ["  -"]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Idioms:
    name: ClassVar[str] = "idioms"

    def apply(self, module: Module) -> dict[str, IdiomInfo]:
        return {fn.full_name: find_idioms(fn, module) for fn in module.functions if fn.body is not None}


def find_idioms(fn: Function, module: Module | None = None, memory: MemoryInfo | None = None) -> IdiomInfo:
    mem = memory or analyze_memory(fn, module)
    finder = _Finder(fn, mem)
    finder.run()
    info = IdiomInfo(fn, sorted(finder.found, key=lambda i: (i.node.span.start, i.kind)))
    return info


@dataclass(frozen=True)
class _Step:
    var: str
    kind: str  # add, sub, mul, div
    amount: N.Expr
    shift: bool = False  # << or >>: the amount counts bits


def _step(loop: N.For) -> _Step | None:
    if len(loop.step) != 1 or not isinstance(loop.step[0], N.Assign):
        return None
    s = loop.step[0]
    if not isinstance(s.target, N.Var):
        return None
    var = s.target.name
    op, amount = s.op, s.value
    if op is None and isinstance(amount, N.Binary) and isinstance(amount.lhs, N.Var) and amount.lhs.name == var:
        op, amount = amount.op, amount.rhs
    if op in ("+", "-"):
        return _Step(var, "add" if op == "+" else "sub", amount)
    if op in ("*", "<<"):
        return _Step(var, "mul", amount, op == "<<")
    if op in ("/", ">>"):
        return _Step(var, "div", amount, op == ">>")
    return None


def _factor(step: _Step) -> str | None:
    """"halving"/"doubling" for a step that divides or multiplies the variable by two
    (``s /= 2``, ``s >>= 1``, ``s *= 2``, ``s <<= 1``)."""
    if not isinstance(step.amount, N.Const) or step.amount.value != (1 if step.shift else 2):
        return None
    return {"div": "halving", "mul": "doubling"}.get(step.kind)


class _Finder:
    def __init__(self, fn: Function, mem: MemoryInfo):
        self.fn = fn
        self.mem = mem
        self.uni = mem.uniformity
        self.found: list[Idiom] = []
        self.sweep_candidates: list[tuple[N.For, str, str, str]] = []

    def add(self, kind: str, node: N.Node, **details: str) -> None:
        self.found.append(Idiom(kind, node, tuple(details.items())))

    def run(self) -> None:
        for node in walk(self.fn.body):
            if isinstance(node, N.For):
                self.loop(node)
            elif isinstance(node, N.Block):
                self.unrolled(node)
            elif isinstance(node, N.Intrinsic) and node.name in _BROADCAST:
                lane = _shuffle_offset(node)
                if lane is not None and self.uni.value(lane).is_uniform:
                    value = node.args[1 if node.name.endswith("_sync") else 0]
                    self.add("warp-broadcast", node, value=print_expr(value), lane=print_expr(lane))
        self.sweeps()
        self.atomics()
        self.stencils()

    # ------------------------------------------------------------------ loops

    def loop(self, loop: N.For) -> None:
        step = _step(loop)
        if step is None:
            if not loop.step:
                self.fold_loop(loop)
            return
        self.stride_loop(loop, step)
        factor = _factor(step)
        if factor is not None:
            self.tree_loop(loop, step, factor)
            self.shuffle_loop(loop, step, factor)
        if step.kind == "add" and self.uni.loops.get(loop) and self.uni.loops[loop].uniform_trip:
            self.tiled_matmul(loop)
            self.dot_loop(loop)

    def stride_loop(self, loop: N.For, step: _Step) -> None:
        if step.kind != "add":
            return
        init = next((s for s in loop.init if isinstance(s, (N.Decl, N.Assign))), None)
        value = init.init if isinstance(init, N.Decl) else init.value if isinstance(init, N.Assign) else None
        if value is None:
            return
        start = self.uni.value(value)
        amount = self.uni.value(step.amount)
        if start.poly is None or amount.poly is None or start.kind != "affine":
            return
        base, strides = split(start.poly)
        if str(strides.get("x")) != "1":
            return
        if amount.poly == Poly.of({("blockDim.x", "gridDim.x"): 1}):
            self.add("grid-stride-loop", loop, var=step.var, bound=print_expr(loop.cond) if loop.cond else "-")
        elif (amount.poly == Poly.atom("blockDim.x") or (not depends_on_thread(amount.poly)
                                                          and "blockIdx.x" not in base.atoms())) \
                and amount.poly.const_value != 1:
            self.add("block-stride-loop", loop, var=step.var, stride=str(amount.poly))

    def body_has_barrier(self, loop: N.Stmt) -> bool:
        return any(is_block_barrier(n) for n in walk(loop.body))

    def tree_loop(self, loop: N.For, step: _Step, factor: str) -> None:
        """Shared-memory tree: in each step a combining store and a load of the same array a
        uniform distance apart, and a barrier. Distance ``s`` (the loop variable): a reduction;
        ``-d`` in a doubling loop: a Hillis-Steele scan; another distance (``offset`` in a
        Blelloch sweep): decided in :meth:`sweeps` with the loops around it."""
        if not self.body_has_barrier(loop):
            return
        var_poly = Poly.atom(step.var)
        for store, load in self.shared_pairs(loop):
            diff = load.index - store.index
            if not diff.terms or depends_on_thread(diff):
                continue
            if diff == var_poly and _combines(store.node):
                addressing = "interleaved" if step.var in store.index.atoms() else "sequential"
                self.add("tree-reduction", loop, array=store.array, op=_op_of(store.node),
                         direction=factor, addressing=addressing)
                return
            if dict(diff.terms).get((step.var,)) == -1 and factor == "doubling":
                self.add("block-scan", loop, array=store.array, direction=factor)
                return
            if diff.const_value is None and _combines(store.node):
                self.sweep_candidates.append((loop, store.array, factor, _op_of(store.node)))
                return

    def sweeps(self) -> None:
        """A halving sweep followed by a doubling sweep over one array: a work-efficient
        (Blelloch) scan; a sweep alone: a reduction tree."""
        used = set()
        for index, (loop, array, factor, op) in enumerate(self.sweep_candidates):
            if index in used:
                continue
            partner = next((j for j, (_, other, f, _) in enumerate(self.sweep_candidates)
                            if j > index and other == array and factor == "halving" and f == "doubling"), None)
            if partner is not None:
                used.update({index, partner})
                self.add("block-scan", loop, array=array, direction="up-down-sweep")
            else:
                self.add("tree-reduction", loop, array=array, op=op, direction=factor, addressing="strided")

    def fold_loop(self, loop: N.For) -> None:
        """A tree whose step is computed in the body (``half = (active + 1) / 2``): a combining
        store and a load of the same shared array a uniform distance apart, and a barrier."""
        if not self.body_has_barrier(loop):
            return
        for store, load in self.shared_pairs(loop):
            diff = load.index - store.index
            if diff.terms and not depends_on_thread(diff) and diff.const_value is None and _combines(store.node):
                self.add("tree-reduction", loop, array=store.array, op=_op_of(store.node),
                         direction="custom", addressing="sequential")
                return

    def block_shared(self, access) -> bool:
        """Shared memory, or (in a device function) a pointer parameter that may point to it."""
        return access.space == "shared" or (not self.fn.is_kernel and self.fn.param(access.array) is not None)

    def shared_pairs(self, loop: N.Stmt):
        accesses = [a for n in walk(loop.body) if (a := self.mem.by_node.get(n)) and self.block_shared(a)
                    and a.index is not None]
        for store in (a for a in accesses if a.kind == STORE):
            for load in (a for a in accesses if a.kind == LOAD and a.array == store.array):
                yield store, load

    def shuffle_loop(self, loop: N.For, step: _Step, factor: str) -> None:
        for node in walk(loop.body):
            if not isinstance(node, (N.Assign, N.Decl)):
                continue
            shuffle = _shuffle_of(node)
            if shuffle is None:
                continue
            offset = _shuffle_offset(shuffle)
            if not (isinstance(offset, N.Var) and offset.name == step.var):
                continue
            target = _target_name(node)
            if shuffle.name in _SHUFFLES_DOWN and factor == "halving":
                self.add("warp-reduction", loop, var=target or "?", op=_op_of(node), shuffle=shuffle.name,
                         start=_init_text(loop))
                return
            if shuffle.name in _SHUFFLES_UP and factor == "doubling":
                self.add("warp-scan", loop, var=target or "?", shuffle=shuffle.name)
                return

    def tiled_matmul(self, loop: N.For) -> None:
        """A k-loop: stage tiles in shared memory, barrier, inner product loop over them, barrier."""
        staged = {a.array for n in walk(loop.body) if (a := self.mem.by_node.get(n))
                  and a.space == "shared" and a.kind == STORE}
        barriers = sum(1 for n in walk(loop.body) if is_block_barrier(n))
        if len(staged) < 2 or barriers < 2:
            return
        for inner in walk(loop.body):
            if inner is loop or not isinstance(inner, N.For):
                continue
            for node in walk(inner.body):
                product = _accumulated_product(node)
                if product is None:
                    continue
                arrays = {a.array for n in walk(product) if (a := self.mem.by_node.get(n)) and a.kind == LOAD}
                if len(arrays & staged) >= 2:
                    self.add("tiled-matmul", loop, tiles=",".join(sorted(arrays & staged)),
                             acc=_target_name(node) or "?", k=_step(inner).var if _step(inner) else "?")
                    return

    def dot_loop(self, loop: N.For) -> None:
        if any(isinstance(n, N.For) and n is not loop for n in walk(loop.body)):
            return
        for node in walk(loop.body):
            product = _accumulated_product(node)
            if product is None:
                continue
            loads = [a for n in walk(product) if (a := self.mem.by_node.get(n)) and a.kind == LOAD
                     and a.space == "global"]
            if len({a.array for a in loads}) >= 2:
                self.add("dot-product-loop", loop, acc=_target_name(node) or "?",
                         arrays=",".join(sorted({a.array for a in loads})))
                return

    # ------------------------------------------------------------------ straight-line code

    def unrolled(self, block: N.Block) -> None:
        """Runs of shuffles or shared tree steps with halving constant offsets."""
        run: list[tuple[N.Stmt, int, str]] = []
        for stmt in list(block.body) + [None]:
            item = self.unrolled_step(stmt) if stmt is not None else None
            if item is not None and (not run or (item[2] == run[-1][2] and item[1] * 2 == run[-1][1])):
                run.append(item)
                continue
            if len(run) >= 3:
                first = run[0][0]
                kind = "warp-reduction" if run[0][2].startswith("shfl:") else "unrolled-shared-reduction"
                what = run[0][2].split(":", 1)[1]
                key = "var" if kind == "warp-reduction" else "array"
                self.add(kind, first, **{key: what, "op": _op_of(first), "start": str(run[0][1]), "unrolled": "yes"})
            run = [item] if item is not None else []

    def unrolled_step(self, stmt: N.Stmt) -> tuple[N.Stmt, int, str] | None:
        if isinstance(stmt, (N.Assign, N.Decl)):
            shuffle = _shuffle_of(stmt)
            if shuffle is not None and shuffle.name in _SHUFFLES_DOWN:
                offset = _shuffle_offset(shuffle)
                if isinstance(offset, N.Const) and isinstance(offset.value, int):
                    return stmt, offset.value, f"shfl:{_target_name(stmt)}"
        if isinstance(stmt, N.Store) and stmt.op is not None:
            access = self.mem.by_node.get(stmt)
            load = next((self.mem.by_node[n] for n in walk(stmt.value) if n in self.mem.by_node
                         and self.mem.by_node[n].kind == LOAD), None)
            if access is not None and load is not None and access.index is not None and load.index is not None \
                    and load.array == access.array:
                diff = (load.index - access.index).const_value
                if diff:
                    return stmt, diff, f"smem:{access.array}"
        return None

    # ------------------------------------------------------------------ memory idioms

    def atomics(self) -> None:
        for access in self.mem.accesses:
            if access.kind != ATOMIC:
                continue
            name = access.node.name if isinstance(access.node, N.Intrinsic) else "atomic"
            if access.pattern == "scatter":
                self.add("histogram", access.node, array=access.array, space=access.space, op=name)
            elif access.pattern == "uniform":
                self.add("atomic-accumulate", access.node, array=access.array, space=access.space, op=name)

    def stencils(self) -> None:
        by_array: dict[str, list] = {}
        for access in self.mem.accesses:
            if access.kind == LOAD and access.index is not None and depends_on_thread(access.index):
                by_array.setdefault(access.array, []).append(access)
        for array, loads in by_array.items():
            if self.mem.arrays[array].mode != "read-only" and self.mem.arrays[array].space != "shared":
                continue
            offsets = set()
            symbolic_ok = self.mem.arrays[array].space == "global"  # rows apart: u[y*nx + x +- nx]
            for load in loads:
                diff = load.index - loads[0].index
                if diff.const_value is not None or (symbolic_ok and not depends_on_thread(diff)):
                    offsets.add(str(diff))
            if len(offsets) >= 3:
                self.add("stencil", loads[0].node, array=array, points=str(len(offsets)))


def _shuffle_of(node: N.Stmt) -> N.Intrinsic | None:
    value = node.init if isinstance(node, N.Decl) else node.value
    if value is None:
        return None
    for n in walk(value):
        if isinstance(n, N.Intrinsic) and n.group == intrinsics.SHUFFLE:
            return n
    return None


def _shuffle_offset(shuffle: N.Intrinsic) -> N.Expr | None:
    """The lane offset (or source lane) argument: third of ``*_sync``, second of legacy ones."""
    index = 2 if shuffle.name.endswith("_sync") else 1
    return shuffle.args[index] if len(shuffle.args) > index else None


def _target_name(node: N.Node) -> str | None:
    if isinstance(node, N.Decl):
        return node.name
    if isinstance(node, N.Assign) and isinstance(node.target, N.Var):
        return node.target.name
    if isinstance(node, N.Store) and isinstance(node.base, N.Var):
        return node.base.name
    return None


def _op_of(node: N.Node) -> str:
    op = getattr(node, "op", None)
    if op:
        return op
    value = node.init if isinstance(node, N.Decl) else getattr(node, "value", None)
    if isinstance(value, N.Intrinsic) and value.group == intrinsics.SHUFFLE:
        return "custom"  # the shuffled value is combined by later statements
    if isinstance(value, (N.Intrinsic, N.Call)):
        name = value.name if isinstance(value, N.Intrinsic) else value.callee
        return _COMBINE.get(name, name)
    if isinstance(value, N.Binary):
        return value.op
    if isinstance(value, N.Select):
        return "select"
    return "?"


def _combines(store: N.Node) -> bool:
    """``a[i] += a[i + s]``, ``a[i] = fmaxf(a[i], a[i + s])``: not a plain copy ``a[i] = b[j]``."""
    if not isinstance(store, N.Store):
        return False
    return store.op is not None or not isinstance(store.value, (N.Load, N.Var, N.Const))


def _accumulated_product(node: N.Node) -> N.Expr | None:
    """The product in ``acc += x * y`` or ``acc = fmaf(x, y, acc)``."""
    if isinstance(node, N.Assign) and node.op == "+" and isinstance(node.value, N.Binary) and node.value.op == "*":
        return node.value
    if isinstance(node, N.Assign) and node.op is None and isinstance(node.value, N.Intrinsic) \
            and node.value.name in ("fmaf", "fma", "__fmaf_rn") and len(node.value.args) == 3:
        return N.Binary("*", node.value.args[0], node.value.args[1], type=node.value.type, span=node.value.span)
    return None


def _init_text(loop: N.For) -> str:
    init = next((s for s in loop.init if isinstance(s, N.Decl)), None)
    return print_expr(init.init) if init is not None and init.init is not None else "?"
