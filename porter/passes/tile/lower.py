"""lower-to-block-program: one analysed CUDA kernel -> a :class:`BlockProgram`.

Runs inline-device-calls, uniquify and classify-lanes, then walks the flat body once:
uniform values stay scalars, the others become lane vectors; a divergent ``if`` becomes a
``where`` region with its mask; a loop on a divergent condition (or one left by
``break``/``continue``/``return``) becomes a masked loop; ``__syncthreads`` ends a phase;
shared arrays become block-local arrays; shuffles become lane exchanges. Everything else is
refused with a :class:`Refusal` naming the construct.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from porter.ir import build
from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.module import Function, Module
from porter.passes.tile.errors import Refusal
from porter.passes.tile.inline import InlineDeviceCalls
from porter.passes.tile.mathops import MATH, VECTOR_BUILDERS
from porter.passes.tile.program import BlockProgram, Param, S, Shared, V
from porter.passes.tile.reductions import Matcher, TreeMatch, WarpMatch
from porter.passes.tile.trips import CountedLoop, counted
from porter.passes.tile.vectorize import ClassifyLanes, LaneInfo, uniquify

ATOMICS = {"atomicAdd": "add", "atomicMax": "max", "atomicMin": "min", "atomicExch": "xchg",
           "atomicAnd": "and", "atomicOr": "or", "atomicXor": "xor", "atomicCAS": "cas", "atomicSub": "sub"}
SHUFFLES = {"__shfl_sync": "idx", "__shfl_xor_sync": "xor", "__shfl_down_sync": "down", "__shfl_up_sync": "up"}
COMPONENTS = ("x", "y", "z", "w")


def sname(t: T.Type) -> str:
    """The block program's name of a scalar or pointer type."""
    if isinstance(t, T.Scalar):
        return t.name
    if isinstance(t, T.Pointer):
        inner = t.pointee
        if isinstance(inner, T.Vector):
            return f"*{inner.elem.name}x{inner.lanes}"
        if isinstance(inner, T.Scalar) and inner.name != "void":
            return "*" + inner.name
    raise Refusal("P0403", f"values of type {t}", None)


def _bool(v: V) -> V:
    if v.dtype == "bool":
        return v
    return V("bin", "bool", v.vec, ("!=", v, V("const", v.dtype, False, (0,))))


def _and(a: V | None, b: V) -> V:
    if a is None:
        return b
    return V("bin", "bool", a.vec or b.vec, ("&&", a, b))


def _not(a: V) -> V:
    return V("un", "bool", a.vec, ("!", a))


def cast(v: V, dtype: str) -> V:
    if v.dtype == dtype:
        return v
    if v.op == "const" and not dtype.startswith("*"):
        value = v.args[0]
        if dtype == "bool":
            value = bool(value)
        elif dtype[0] in "iu" and isinstance(value, (int, bool)):
            bits = int(dtype[1:])
            value = int(value) & ((1 << bits) - 1)
            if dtype[0] == "i" and value >= 1 << (bits - 1):
                value -= 1 << bits
        elif dtype[0] in "fb" and not (isinstance(value, float) and math.isnan(value)):
            value = float(value)
        else:
            return V("cast", dtype, v.vec, (v,))
        return V("const", dtype, False, (value,))
    return V("cast", dtype, v.vec, (v,))


def compute_type(dtype: str) -> str:
    """Half and bfloat16 arithmetic is done in float32 (rounded back to the C type after)."""
    return "f32" if dtype in ("f16", "bf16") else dtype


@dataclass(frozen=True)
class LowerToBlockProgram:
    name: ClassVar[str] = "lower-to-block-program"
    source_text: str = ""
    #: raise-reductions: shared-memory tree and warp-shuffle reductions become ``reduce`` values
    #: (:mod:`.reductions`); False keeps the lane-by-lane emulation everywhere.
    raise_reductions: bool = False

    def apply(self, fn: Function, module: Module) -> BlockProgram:
        flat = InlineDeviceCalls(self.source_text).apply(fn, module)
        return _Lowering(flat, self.raise_reductions).run()


@dataclass
class _Frame:
    lm: str
    cm: str


class _Lowering:
    def __init__(self, fn: Function, raise_reductions: bool = False):
        self.fn = fn
        self.shared = {s.name: s for s in fn.shared}
        self.params = {p.name: p for p in fn.params}
        taken = set(self.params) | set(self.shared) | {"act", "lane", "valid", "ltid"}
        self.body = uniquify(fn.body, taken)
        self.info: LaneInfo = ClassifyLanes().apply(self.body, {p: False for p in self.params})
        self.types: dict[str, T.Type] = {p.name: p.type for p in fn.params}
        self.counter = 0
        self.mask = "act"
        self.depth = 0
        self.decl_depth: dict[str, int] = {p: 0 for p in self.params}
        self.loops: list[_Frame] = []
        self.out: list[S] = []
        self.shuffles: set[str] = set()
        self.dims: set[str] = set()
        self.loop_depth = 0
        self.lanes_left = False
        self.raised: list[str] = []
        self.matcher = Matcher(self.body, {n: v.type for n, v in self.shared.items()}) \
            if raise_reductions else None

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, kind: str, *args, line: int = 0, body=(), orelse=()) -> None:
        self.out.append(S(kind, tuple(args), line, tuple(body), tuple(orelse)))

    def nested(self, fn) -> list[S]:
        saved, self.out = self.out, []
        try:
            fn()
            return self.out
        finally:
            self.out = saved

    # ------------------------------------------------------------------------------- program
    def run(self) -> BlockProgram:
        params = []
        for p in self.fn.params:
            if isinstance(p.type, T.Pointer):
                t = sname(p.type)
                lanes = int(t.split("x")[1]) if "x" in t[1:] else 1
                params.append(Param(p.name, "ptr", t[1:].split("x")[0], lanes, p.type.restrict))
            elif isinstance(p.type, T.Scalar) and p.type.name not in ("f64", "void"):
                params.append(Param(p.name, "scalar", p.type.name))
            else:
                raise Refusal("P0403", f"kernel parameter {p.name} of type {p.type}", p.span)
        shared = []
        for s in self.fn.shared:
            elem = T.strip_array(s.type)
            if not isinstance(elem, T.Scalar):
                raise Refusal("P0403", f"shared array {s.name} of {elem}", s.span)
            dims = s.type.dims if isinstance(s.type, T.Array) else (None,)
            if s.dynamic:
                shared.append(Shared(s.name, elem.name, None, (0,)))
            elif all(isinstance(d, int) for d in dims):
                shared.append(Shared(s.name, elem.name, math.prod(dims), tuple(dims)))
            else:
                raise Refusal("P0403", f"shared array {s.name} with extents {dims}", s.span)
        if sum(1 for s in shared if s.size is None) > 1:
            raise Refusal("P0403", "several extern shared arrays (they alias one buffer)", self.fn.span)
        self.block(self.body)
        return BlockProgram(self.fn.full_name, "", self.fn.span.line, params, shared, tuple(self.out),
                            tuple(sorted(self.dims)) or ("x",), tuple(sorted(self.shuffles)), list(self.raised))

    # ----------------------------------------------------------------------------- statements
    def block(self, block: N.Block) -> None:
        stmts = block.body
        k = 0
        while k < len(stmts):
            s = stmts[k]
            used = self.raise_reduction(stmts, k)
            if used:
                k += used
                continue
            k += 1
            self.stmt(s)
            if isinstance(s, (N.Return, N.Break, N.Continue)):
                return  # the rest of the block is unreachable
            if self.has_kills(s):
                self.refresh()

    # -------------------------------------------------------------------- raise-reductions
    def raise_reduction(self, stmts, k: int) -> int:
        """Statements consumed by a recognised reduction at ``stmts[k]`` (0: none)."""
        if self.matcher is None or self.loop_depth or self.loops:
            return 0
        if self.mask == "act" and self.depth == 0 and not self.lanes_left:
            tree = self.matcher.tree(stmts, k)
            if tree is not None and self.raise_tree(tree, stmts, k):
                return tree.stmts
        warp = self.matcher.warp(stmts[k])
        if warp is not None and self.var_kind(warp.var):
            self.raise_warp(warp, stmts[k])
            return 1
        return 0

    def raise_tree(self, m: TreeMatch, stmts, k: int) -> bool:
        line = stmts[k].span.line
        s0 = cast(self.expr(m.start), "i32")
        if s0.vec:
            return False
        i32 = lambda op, a, b: V("bin", "i32", False, (op, a, b))
        test = lambda op, a, b: V("bin", "bool", a.vec or b.vec, (op, a, b))
        one, two = V("const", "i32", False, (1,)), V("const", "i32", False, (2,))
        span = i32("*", two, s0)
        guard = None
        if s0.op == "const":
            n = s0.args[0]
            if n <= 0 or n & (n - 1):
                return False
            span = V("const", "i32", False, (2 * n,))
        else:
            guard = _and(test(">", s0, V("const", "i32", False, (0,))),
                         test("==", i32("&", s0, i32("-", s0, one)), V("const", "i32", False, (0,))))
        bdim = {d: cast(V("bdim", "u32", False, (d,)), "i32") for d in "xyz"}
        guard = _and(guard, test("<=", span, bdim["x"]))
        guard = _and(guard, test("==", bdim["y"], one))
        guard = _and(guard, test("==", bdim["z"], one))
        self.dims.add("x")
        ltid = V("ltid", "i32", True, ())
        name = self.fresh("red")

        def raised() -> None:
            value = self.splat(cast(self.expr(m.value), m.dtype), True)
            lanes = _and(self.mvar("act"), test("<", ltid, span))
            self.emit("let", name, V("reduce", m.dtype, False, (m.op, value, lanes, None)), line=line)

            def root() -> None:
                zero = N.Const(0, type=T.I32, span=m.store.span)
                space, base, index, _ = self.memref(m.store.base, (zero,), m.store.span, self.mvar())
                self.emit("store", space, base, index, V("var", m.dtype, False, (name,)), self.mask, line=line)
            self.region(_and(self.mvar(), test("==", ltid, V("const", "i32", False, (0,)))), root, line)
            self.emit("barrier", line=stmts[k + 2].span.line)

        def emulated() -> None:
            for st in stmts[k:k + m.stmts]:
                self.stmt(st)

        body = self.nested(raised)
        other = self.nested(emulated)
        self.emit("if", guard, line=line, body=body, orelse=other)
        self.raised.append(f"tree-reduce@{line}({m.array}, {m.op})")
        return True

    def raise_warp(self, m: WarpMatch, loop: N.For) -> None:
        """A per-warp ``reduce``; the emulation where lanes are not laid out as warps."""
        line = loop.span.line
        self.dims.add("x")
        value = V("var", m.dtype, True, (m.var,))
        if self.matcher.only_x:
            self.set_var(m.var, V("reduce", m.dtype, True, (m.op, value, self.mvar(), 32)), line)
        else:
            # lanes are x fastest, padded per dimension: they are warps when the block is 1-D
            # or blockDim.x is a power-of-two multiple of 32
            test = lambda op, a, b: V("bin", "bool", False, (op, a, b))
            i32 = lambda op, a, b: V("bin", "i32", False, (op, a, b))
            c = lambda n: V("const", "i32", False, (n,))
            bdim = {d: cast(V("bdim", "u32", False, (d,)), "i32") for d in "xyz"}
            one_d = _and(test("==", bdim["y"], c(1)), test("==", bdim["z"], c(1)))
            wide = _and(test("==", i32("&", bdim["x"], c(31)), c(0)),
                        test("==", i32("&", bdim["x"], i32("-", bdim["x"], c(1))), c(0)))
            guard = V("bin", "bool", False, ("||", one_d, wide))
            body = self.nested(lambda: self.set_var(m.var, V("reduce", m.dtype, True, (m.op, value, self.mvar(), 32)), line))
            other = self.nested(lambda: self.stmt(loop))
            self.emit("if", guard, line=line, body=body, orelse=other)
        self.raised.append(f"warp-reduce@{line}({m.var}, {m.op}, {m.kind})")

    def has_kills(self, s: N.Stmt) -> bool:
        return any(isinstance(n, (N.Return, N.Break, N.Continue)) for n in _walk(s)) and \
            not isinstance(s, (N.For, N.While, N.DoWhile)) or \
            (isinstance(s, (N.For, N.While, N.DoWhile)) and any(isinstance(n, N.Return) for n in _walk(s)))

    def refresh(self) -> None:
        live = self.loops[-1].cm if self.loops else "act"
        if self.mask != live:
            self.emit("set", self.mask, _and(self.mvar(), self.mvar(live)), None)

    def mvar(self, name: str | None = None) -> V:
        return V("var", "bool", True, (name or self.mask,))

    def stmt(self, s: N.Stmt) -> None:
        line = s.span.line
        match s:
            case N.Block():
                self.block(s)
            case N.Decl():
                self.decl(s)
            case N.Assign():
                self.assign(s)
            case N.Store():
                self.store(s)
            case N.Eval():
                self.eval(s)
            case N.If():
                self.if_(s)
            case N.For() | N.While() | N.DoWhile():
                self.loop(s)
            case N.Barrier():
                if s.scope == "block" or s.name == "__syncwarp":
                    self.emit("barrier", line=line)
                else:
                    raise Refusal("P0404", f"barrier {s.name}", s.span)
            case N.Return():
                self.return_(s)
            case N.Break() | N.Continue():
                frame = self.loops[-1]
                gone = _not(self.mvar())
                if isinstance(s, N.Break):
                    self.emit("set", frame.lm, _and(self.mvar(frame.lm), gone), None, line=line)
                self.emit("set", frame.cm, _and(self.mvar(frame.cm), gone), None, line=line)
            case N.OpaqueStmt():
                raise Refusal("P0401", f"{s.reason}: {s.text.strip()[:60]}", s.span)
            case _:
                raise Refusal("P0401", f"statement {type(s).__name__}", s.span)

    def var_kind(self, name: str) -> bool:
        return self.declared(name) in self.info.vectors

    def declared(self, name: str) -> str:
        """The declared variable a name stands for: ``v`` for a vector's component ``v_x``."""
        base, _, field = name.rpartition("_")
        return base if field in COMPONENTS and isinstance(self.types.get(base), T.Vector) else name

    def decl(self, s: N.Decl) -> None:
        self.types[s.name] = s.var_type
        self.decl_depth[s.name] = self.depth
        vec = self.var_kind(s.name)
        if isinstance(s.var_type, T.Vector):
            parts = self.vexpr(s.init) if s.init is not None else None
            if parts is not None and len(parts) == 1:  # make_float4(0.0f): one value for every lane
                parts = parts * s.var_type.lanes
            elif parts is not None and len(parts) != s.var_type.lanes:
                raise Refusal("P0403", f"{s.var_type} {s.name} initialised with {len(parts)} values", s.span)
            for k in range(s.var_type.lanes):
                name = f"{s.name}_{COMPONENTS[k]}"
                dtype = s.var_type.elem.name
                value = cast(parts[k], dtype) if parts else V("const", dtype, False, (0,))
                self.emit("let", name, self.splat(value, vec), line=s.span.line)
            return
        if isinstance(s.var_type, T.Array):
            raise Refusal("P0403", f"local array {s.name}", s.span)
        dtype = sname(s.var_type)
        value = cast(self.expr(s.init), dtype) if s.init is not None else V("const", dtype, False, (0,))
        self.emit("let", s.name, self.splat(value, vec), line=s.span.line)

    def splat(self, v: V, vec: bool) -> V:
        if vec and not v.vec:
            return V("splat", v.dtype, True, (v,))
        if v.vec and not vec:
            raise Refusal("P0405", "a lane vector assigned to a uniform variable", None)
        return v

    def set_var(self, name: str, value: V, line: int) -> None:
        vec = self.var_kind(name)
        mask = None if self.decl_depth.get(self.declared(name), 0) == self.depth else self.mask
        if not vec:
            mask = None
        self.emit("set", name, self.splat(value, vec), mask, line=line)

    def assign(self, s: N.Assign) -> None:
        target = s.target
        value = s.value
        if s.op is not None:
            value = build.binary(s.op, target, value, s.span)
        if isinstance(target, N.Member) and isinstance(target.base, N.Var) and isinstance(target.base.type, T.Vector):
            k = COMPONENTS.index(target.field)
            name = f"{target.base.name}_{target.field}"
            self.set_var(name, cast(self.expr(value), target.base.type.elem.name), s.span.line)
            del k
            return
        if not isinstance(target, N.Var) or target.name in self.params and isinstance(target.type, T.Pointer) and False:
            raise Refusal("P0401", "assignment to something other than a local variable", s.span)
        if not isinstance(target, N.Var):
            raise Refusal("P0401", "assignment to something other than a local variable", s.span)
        if isinstance(target.type, T.Vector):
            parts = self.vexpr(value)
            for k, part in enumerate(parts):
                self.set_var(f"{target.name}_{COMPONENTS[k]}", cast(part, target.type.elem.name), s.span.line)
            return
        self.set_var(target.name, cast(self.expr(value), sname(target.type)), s.span.line)

    def memref(self, base: N.Expr, indices: tuple[N.Expr, ...], span, mask: V | None) -> tuple[str, V, V, int]:
        """(space, base, flat element index, lanes per element) of ``base[indices]``."""
        if isinstance(base, N.Var) and base.name in self.shared:
            sh = self.shared[base.name]
            dims = sh.type.dims if isinstance(sh.type, T.Array) else (None,)
            if len(indices) != len(dims):
                raise Refusal("P0403", f"partial indexing of shared array {base.name}", span)
            flat = None
            for index, dim in zip(indices, dims):
                idx = cast(self.expr(index, mask), "i32")
                if flat is None:
                    flat = idx
                else:
                    flat = V("bin", "i32", flat.vec or idx.vec, ("+", V("bin", "i32", flat.vec, ("*", flat, V("const", "i32", False, (dim,)))), idx))
            return "shared", V("var", "*" + sname(T.strip_array(sh.type)), False, (base.name,)), flat, 1
        if len(indices) != 1:
            raise Refusal("P0403", "multi-dimensional indexing of a pointer", span)
        if isinstance(base.type, T.Array):
            raise Refusal("P0403", f"indexing an array value of type {base.type}", span)
        ptr = self.expr(base, mask)
        idx = self.expr(indices[0], mask)
        if not ptr.dtype.startswith("*"):
            raise Refusal("P0403", f"indexing a value of type {base.type}", span)
        lanes = int(ptr.dtype.split("x")[1]) if "x" in ptr.dtype[1:] else 1
        return "global", ptr, idx, lanes

    def store(self, s: N.Store) -> None:
        space, base, idx, lanes = self.memref(s.base, s.indices, s.span, self.mvar())
        value_expr = s.value
        if s.op is not None:
            current = build.load(s.base, s.indices, s.span)
            if s.field:
                current = N.Member(current, s.field, type=current.type.elem, span=s.span)
            value_expr = build.binary(s.op, current, s.value, s.span)
        elem_type = build.load_type(s.base.type, len(s.indices)) if not (isinstance(s.base, N.Var) and s.base.name in self.shared) else T.strip_array(self.shared[s.base.name].type)
        if isinstance(elem_type, T.Vector):
            if s.field:
                parts = {COMPONENTS.index(s.field): self.expr(value_expr)}
            else:
                parts = dict(enumerate(self.vexpr(value_expr)))
            for k, part in parts.items():
                index = self.lane_index(idx, lanes, k)
                self.emit("store", space, base, index, cast(part, elem_type.elem.name), self.mask, line=s.span.line)
            return
        if s.field:
            raise Refusal("P0403", f"field store .{s.field}", s.span)
        self.emit("store", space, base, idx, cast(self.expr(value_expr), sname(elem_type)), self.mask,
                  line=s.span.line)

    def lane_index(self, idx: V, lanes: int, k: int) -> V:
        if lanes == 1:
            return idx
        wide = cast(idx, "i64")
        scaled = V("bin", "i64", idx.vec, ("*", wide, V("const", "i64", False, (lanes,))))
        return V("bin", "i64", idx.vec, ("+", scaled, V("const", "i64", False, (k,)))) if k else scaled

    def eval(self, s: N.Eval) -> None:
        e = s.expr
        if isinstance(e, N.Intrinsic) and e.name in ("sincosf", "sincos", "__sincosf"):
            x = self.expr(e.args[0])
            for fname, out in zip(("sin", "cos"), e.args[1:]):
                if not (isinstance(out, N.Unary) and out.op == "&" and isinstance(out.operand, N.Var)):
                    raise Refusal("P0403", f"{e.name} writing through a pointer", s.span)
                self.set_var(out.operand.name, V("math", x.dtype, x.vec, (fname, x)), s.span.line)
            return
        if isinstance(e, N.Intrinsic) and e.group in ("fence",):
            return
        if isinstance(e, N.Intrinsic) and e.group == "atomic":
            self.emit("eval", self.expr(e), line=s.span.line)
            return
        if isinstance(e, (N.Const, N.Var)):
            return
        raise Refusal("P0401", f"expression statement {getattr(e, 'name', type(e).__name__)}", s.span)

    def if_(self, s: N.If) -> None:
        cond = _bool(self.expr(s.cond))
        line = s.span.line
        if not cond.vec:
            then = self.nested(lambda: self.block(s.then))
            other = self.nested(lambda: self.block(s.other)) if s.other is not None else []
            self.emit("if", cond, line=line, body=then, orelse=other)
            return
        cname = self.fresh("c")
        self.emit("let", cname, cond, line=line)
        for branch, c in ((s.then, V("var", "bool", True, (cname,))), (s.other, _not(V("var", "bool", True, (cname,))))):
            if branch is None:
                continue
            self.region(_and(self.mvar(), c), lambda b=branch: self.block(b), line)

    def region(self, mask: V, body, line: int) -> None:
        name = self.fresh("m")
        saved = self.mask
        self.mask = name
        self.depth += 1
        try:
            inner = self.nested(body)
        finally:
            self.mask = saved
            self.depth -= 1
        self.emit("where", name, mask, line=line, body=inner)

    def loop(self, s: N.Stmt) -> None:
        line = s.span.line
        init = s.init if isinstance(s, N.For) else ()
        step = s.step if isinstance(s, N.For) else ()
        self.loop_depth += 1
        try:
            self._loop(s, line, init, step)
        finally:
            self.loop_depth -= 1

    def _loop(self, s: N.Stmt, line: int, init, step) -> None:
        for part in init:
            self.stmt(part)
        cond_expr = s.cond if s.cond is not None else N.Const(True, type=T.BOOL, span=s.span)
        if not self.info.loop_masked(s):
            if isinstance(s, N.DoWhile):
                go = self.fresh("go")
                self.emit("let", go, V("const", "bool", False, (True,)), line=line)
                body = self.nested(lambda: (self.block(s.body), self.emit("set", go, _bool(self.expr(cond_expr)), None)))
                self.emit("loop", V("var", "bool", False, (go,)), line=line, body=body)
                return
            cond = _bool(self.expr(cond_expr))
            shape = counted(s)
            trips = self.trip_counts(shape) if shape is not None else None
            body = self.nested(lambda: (self.block(s.body), [self.stmt(p) for p in step]))
            self.emit("loop", cond, trips, line=line, body=body)
            return
        lm, cm = self.fresh("lm"), self.fresh("cm")
        first = self.mvar() if isinstance(s, N.DoWhile) else _and(self.mvar(), _bool(self.expr(cond_expr, self.mvar())))
        self.emit("let", lm, self.splat(first, True), line=line)
        shape = counted(s)
        trips = self.trip_counts(shape) if shape is not None else None
        saved = self.mask
        self.loops.append(_Frame(lm, cm))
        self.depth += 1

        def body() -> None:
            self.emit("let", cm, self.mvar(lm))
            self.mask = cm
            self.block(s.body)
            self.mask = lm
            for part in step:
                self.stmt(part)
            self.emit("set", lm, _and(self.mvar(lm), _bool(self.expr(cond_expr, self.mvar(lm)))), None)

        try:
            inner = self.nested(body)
        finally:
            self.loops.pop()
            self.depth -= 1
            self.mask = saved
        self.emit("mloop", lm, trips, line=line, body=inner)

    def trip_counts(self, loop: CountedLoop) -> V:
        """Each lane's trip count of a counted loop, on entry (see :mod:`.trips`), as i64."""
        start = self.expr(loop.start if loop.start is not None else loop.var)
        start, bound, step = (cast(v, "i64") for v in (start, self.expr(loop.bound), self.expr(loop.step)))
        vec = start.vec or bound.vec or step.vec
        one, zero = V("const", "i64", False, (1,)), V("const", "i64", False, (0,))
        span = _fold(V("bin", "i64", vec, ("-", bound, start)))
        if loop.inclusive:
            span = _fold(V("bin", "i64", vec, ("+", span, one)))
        less = _fold(V("bin", "i64", step.vec, ("-", step, one)))
        rounded = _fold(V("bin", "i64", vec, ("/", _fold(V("bin", "i64", vec, ("+", span, less))), step)))
        if span.op == "const" and rounded.op == "const":
            return V("const", "i64", False, (max(0, rounded.args[0]),))
        return V("select", "i64", vec, (V("bin", "bool", vec, (">", span, zero)), rounded, zero))

    def return_(self, s: N.Return) -> None:
        if self.depth == 0 and not self.loops:
            self.emit("return", line=s.span.line)
            return
        gone = _not(self.mvar())
        self.lanes_left = True
        self.emit("set", "act", _and(self.mvar("act"), gone), None, line=s.span.line)
        for frame in self.loops:
            self.emit("set", frame.lm, _and(self.mvar(frame.lm), gone), None)
            self.emit("set", frame.cm, _and(self.mvar(frame.cm), gone), None)

    # ----------------------------------------------------------------------------- expressions
    def expr(self, e: N.Expr, mask: V | None = None) -> V:
        if mask is None:
            mask = self.mvar()
        if isinstance(e.type, T.Vector):
            raise Refusal("P0403", f"a {e.type} value where a scalar is needed", e.span)
        match e:
            case N.Const():
                value = e.value
                if value is None or isinstance(value, str):
                    raise Refusal("P0403", f"constant {value!r}", e.span)
                return V("const", sname(e.type), False, (value,))
            case N.Var():
                if e.name in self.shared:
                    return V("var", "*" + sname(T.strip_array(self.shared[e.name].type)), False, (e.name,))
                if e.name in self.params:
                    t = self.params[e.name].type
                    return V("param", sname(t), False, (e.name,))
                return V("var", sname(self.types.get(e.name, e.type)), self.var_kind(e.name), (e.name,))
            case N.Builtin():
                return self.builtin(e)
            case N.Binary():
                return self.binary(e, mask)
            case N.Unary():
                return self.unary(e, mask)
            case N.Cast():
                inner = self.expr(e.operand, mask)
                target = sname(e.type)
                if target.startswith("*"):
                    if not inner.dtype.startswith("*"):
                        raise Refusal("P0403", "an integer cast to a pointer", e.span)
                    if inner.dtype[1:].split("x")[0] != target[1:].split("x")[0]:
                        raise Refusal("P0403", f"a pointer reinterpreted as {e.type}", e.span)
                    return V(inner.op, target, inner.vec, inner.args)
                return cast(inner, target)
            case N.Select():
                c = _bool(self.expr(e.cond, mask))
                t = sname(e.type)
                a = cast(self.expr(e.then, _and(mask, c) if c.vec else mask), t)
                b = cast(self.expr(e.other, _and(mask, _not(c)) if c.vec else mask), t)
                return V("select", t, a.vec or b.vec or c.vec, (c, a, b))
            case N.Load():
                space, base, idx, lanes = self.memref(e.base, e.indices, e.span, mask)
                if lanes != 1:
                    raise Refusal("P0403", f"a {e.type} load used as a scalar", e.span)
                vec = base.vec or idx.vec or self.depth > 0
                return V("load", sname(e.type), vec, (space, base, idx, mask if vec else None))
            case N.Member():
                if isinstance(e.base.type, T.Vector):
                    return self.vexpr(e.base, mask)[COMPONENTS.index(e.field)]
                raise Refusal("P0403", f"member .{e.field} of {e.base.type}", e.span)
            case N.Intrinsic():
                return self.intrinsic(e, mask)
            case N.OpaqueExpr():
                raise Refusal("P0401", f"{e.reason}: {e.text[:60]}", e.span)
        raise Refusal("P0401", f"expression {type(e).__name__}", e.span)

    def vexpr(self, e: N.Expr, mask: V | None = None) -> list[V]:
        """The components of a CUDA vector value (float2, float4, half2...)."""
        mask = mask or self.mvar()
        t = e.type
        if not isinstance(t, T.Vector):
            raise Refusal("P0403", f"a vector value expected, got {t}", e.span)
        elem = t.elem.name
        match e:
            case N.Var():
                return [V("var", elem, self.var_kind(f"{e.name}_{c}"), (f"{e.name}_{c}",)) for c in COMPONENTS[:t.lanes]]
            case N.Load():
                space, base, idx, lanes = self.memref(e.base, e.indices, e.span, mask)
                if lanes != t.lanes:
                    raise Refusal("P0403", f"a {t} load through {base.dtype}", e.span)
                vec = base.vec or idx.vec or self.depth > 0
                return [V("load", elem, vec, (space, base, self.lane_index(idx, lanes, k), mask if vec else None))
                        for k in range(lanes)]
            case N.Intrinsic() if e.name in VECTOR_BUILDERS:
                args = [self.vexpr(a, mask) if isinstance(a.type, T.Vector) else self.expr(a, mask) for a in e.args]
                return VECTOR_BUILDERS[e.name](args, t)
            case N.Select():
                c = _bool(self.expr(e.cond, mask))
                a, b = self.vexpr(e.then, mask), self.vexpr(e.other, mask)
                return [V("select", elem, x.vec or y.vec or c.vec, (c, x, y)) for x, y in zip(a, b)]
            case N.Cast() if isinstance(e.operand.type, T.Vector):
                return [cast(p, elem) for p in self.vexpr(e.operand, mask)]
        raise Refusal("P0403", f"a {t} value made by {type(e).__name__}", e.span)

    def builtin(self, e: N.Builtin) -> V:
        if e.name == "warpSize":
            return V("const", "i32", False, (32,))
        kind = {"threadIdx": "tid", "blockIdx": "bid", "blockDim": "bdim", "gridDim": "gdim"}[e.name]
        if kind == "tid":
            self.dims.add(e.dim)
        return V(kind, "u32", kind == "tid", (e.dim,))

    def binary(self, e: N.Binary, mask: V) -> V:
        op = e.op
        if op in ("&&", "||"):
            a = _bool(self.expr(e.lhs, mask))
            guard = a if op == "&&" else _not(a)
            b = _bool(self.expr(e.rhs, _and(mask, guard) if a.vec else mask))
            return V("bin", "bool", a.vec or b.vec, (op, a, b))
        if op == ",":
            raise Refusal("P0401", "the comma operator", e.span)
        a = self.expr(e.lhs, mask)
        b = self.expr(e.rhs, mask)
        vec = a.vec or b.vec
        if a.dtype.startswith("*") or b.dtype.startswith("*"):
            if op not in ("+", "-") or b.dtype.startswith("*"):
                raise Refusal("P0403", f"pointer arithmetic with {op}", e.span)
            return V("bin", a.dtype, vec, (op, a, b))
        if op in build.COMPARISONS:
            common = compute_type(sname(T.arith_result(e.lhs.type, e.rhs.type)))
            return V("bin", "bool", vec, (op, cast(a, common), cast(b, common)))
        result = sname(e.type)
        work = compute_type(result)
        a, b = cast(a, work), cast(b, work)
        if op in ("/", "%") and b.op == "const" and b.args[0] == 0:
            if work[0] != "f":  # undefined behaviour in CUDA: no port computes "the same"
                what = "division" if op == "/" else "remainder"
                raise Refusal("P0017", f"integer {what} by the constant zero", e.span)
            if a.op == "const":  # what the GPU computes, not a Python ZeroDivisionError
                return cast(V("const", work, False, (_divide_by_zero(a.args[0], b.args[0]),)), result)
        value = V("bin", work, vec, (op, a, b))
        return cast(value, result)

    def unary(self, e: N.Unary, mask: V) -> V:
        if e.op == "&":
            raise Refusal("P0403", "taking an address (&)", e.span)
        a = self.expr(e.operand, mask)
        if e.op == "!":
            return _not(_bool(a))
        if e.op == "+":
            return cast(a, sname(e.type))
        result = sname(e.type)
        work = compute_type(result)
        operand = cast(a, work)
        if operand.op == "math" and operand.args == ("inf",):
            operand = V("const", operand.dtype, False, (math.inf,))
        if e.op == "-" and operand.op == "const" and isinstance(operand.args[0], (int, float)) \
                and not isinstance(operand.args[0], bool):
            # fold: a negative literal is a constant, not a negation at run time (jax 0.11's
            # Pallas-Triton lowering cannot negate a constant); integers wrap as C's do
            negated = -operand.args[0]
            return cast(cast(V("const", "i64" if work[0] in "iu" else work, False, (negated,)), work), result)
        return cast(V("un", work, operand.vec, (e.op, operand)), result)

    def intrinsic(self, e: N.Intrinsic, mask: V) -> V:
        name = e.name
        if name in ATOMICS:
            return self.atomic(e, mask)
        if name in SHUFFLES:
            return self.shuffle(e, mask)
        if name == "__syncthreads_count":
            self.emit("barrier", line=e.span.line)
            pred = _bool(self.expr(e.args[0], mask))
            return V("count", "i32", False, (pred, mask))
        if name in ("__ldg",):
            return self.expr(build.load(e.args[0], (N.Const(0, type=T.I32, span=e.span),), e.span), mask)
        if name in MATH:
            op, kind = MATH[name]
            args = [self.expr(a, mask) for a in e.args]
            result = sname(e.type)
            if kind == "convert":
                return cast(args[0], result) if op == "cast" else V("math", result, args[0].vec, (op, args[0]))
            work = compute_type(result)
            args = [cast(a, work) for a in args]
            return cast(V("math", work, any(a.vec for a in args), (op, *args)), result)
        raise Refusal("P0401", f"CUDA built-in {name}", e.span)

    def address(self, arg: N.Expr, mask: V) -> tuple[str, V, V]:
        if isinstance(arg, N.Unary) and arg.op == "&" and isinstance(arg.operand, N.Load):
            space, base, idx, _ = self.memref(arg.operand.base, arg.operand.indices, arg.span, mask)
            return space, base, idx
        ptr = self.expr(arg, mask)
        if not ptr.dtype.startswith("*"):
            raise Refusal("P0403", "an atomic on something that is not memory", arg.span)
        return "global", ptr, V("const", "i32", False, (0,))

    def atomic(self, e: N.Intrinsic, mask: V) -> V:
        space, base, idx = self.address(e.args[0], mask)
        dtype = base.dtype[1:]
        op = ATOMICS[e.name]
        if op == "cas":  # tl.atomic_cas takes no mask: masked-off lanes would write
            raise Refusal("P0401", "atomicCAS (a compare-and-swap loop per lane)", e.span)
        val = cast(self.expr(e.args[1], mask), dtype)
        if op == "sub":
            op, val = "add", V("un", dtype, val.vec, ("-", val))
        return V("atomic", dtype, True, (op, space, base, idx, val, mask, None))

    def shuffle(self, e: N.Intrinsic, mask: V) -> V:
        kind = SHUFFLES[e.name]
        value = self.expr(e.args[1], mask)
        arg = cast(self.expr(e.args[2], mask), "i32")
        width = cast(self.expr(e.args[3], mask), "i32") if len(e.args) > 3 else V("const", "i32", False, (32,))
        self.shuffles.add(value.dtype)
        self.dims.add("x")
        return V("shfl", value.dtype, True, (kind, value, arg, width))


def _divide_by_zero(a: float, zero: float) -> float:
    """IEEE ``a / zero`` for a (signed) zero: NaN for 0/0 and NaN/0, else an infinity signed by
    both operands."""
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, zero)


def _fold(v: V) -> V:
    """``a op b`` of two i64 literals as a literal, and ``x + 0``, ``x - 0``, ``x / 1`` as ``x`` (trip
    counts of loops with literal bounds and steps)."""
    if v.op != "bin":
        return v
    if v.args[2].op == "const" and (v.args[0], v.args[2].args[0]) in (("+", 0), ("-", 0), ("/", 1)):
        return v.args[1]
    if v.args[1].op != "const" or v.args[2].op != "const":
        return v
    op, a, b = v.args[0], v.args[1].args[0], v.args[2].args[0]
    if op == "/" and (b == 0 or a < 0 or b < 0):
        return v
    value = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a // b}.get(op)
    return V("const", v.dtype, False, (value(),)) if value else v


def _walk(node):
    from porter.ir.walk import walk
    return walk(node)
