"""Block program -> a Triton module: one ``@triton.jit`` kernel and one launcher per CUDA kernel.

The emitted module's contract (the check harness and the LLM stage rely on it): ``KERNELS`` maps
each kernel name as launches write it ("saxpy", "reduce_sum<256>") to a launcher
``f(*args, grid=(gx, gy, gz), block=(bx, by, bz), shared_bytes=0, stream=None)`` taking the CUDA
parameters in order (torch tensors for pointers, numbers for scalars), checking them
(:mod:`porter.backends.launchers`), writing results in place and returning
``{parameter index: array}`` for the pointers the kernel writes;
``GATE`` maps the same names to ``(jit_fn, signature(block, shared_bytes) -> (sig, constexprs))``
for the static compile gate. Shared memory lives in per-program scratch tensors the launcher
allocates, with ``tl.debug_barrier()`` between phases, except a tile that :mod:`registers` finds
and the launch's block shape permutes (held as a tensor); warp shuffles are register gathers
(``tl.gather``) over the block's lanes.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

from porter.backends.names import Names, kernel_symbols, mangle, module_names, text
from porter.backends.launchers import LAUNCH_KEYWORDS, cuda_type, launcher_checks, runtime_source, written_pointers
from porter.backends.tile import shuffle_source
from porter.backends.triton.tables import ATOMIC, HELPERS, MATH, SIG, SIZE, TL, TORCH

from porter.passes.tile import fuse, prefetch, registers
from porter.passes.tile.alias import aliasing
from porter.passes.tile.program import BlockProgram, S, V, assigned, lane_vectors, masked_only, values_in, walk_statements

RESERVED = {"tl", "triton", "torch", "math", "range", "min", "max", "abs", "float", "int", "len", "print",
            "KERNELS", "GATE",
            # names Triton's JIT launcher uses itself (its generated argument binder, launch options):
            # a kernel parameter called `params` fails to specialize on triton 3.6
            "params", "options", "args", "kwargs", "specialization", "signature", "constexprs", "grid",
            "warmup", "num_warps", "num_stages", "num_ctas", "debug", "device", "stream", "kernel",
            # the launcher's own parameters and the jit kernel's constexprs
            "block", "shared_bytes", "BDX", "BDY", "BDZ", "BX", "BY", "BZ", "LANES", "WARP"}
BUILTIN_NAMES = {"act": "_act", "ltid": "_ltid"}
#: the module-level names each kernel's symbol stands for (:func:`porter.backends.names.kernel_symbols`)
SYMBOL_FORMS = ("{}", "{}_kernel", "{}_signature", "_registers_{}")


def _constant(v: V) -> bool:
    """A tree of literals only: Python numbers in the jit function, with no ``.to``."""
    if v.op == "const":
        return True
    return v.op in ("bin", "un") and all(_constant(x) for x in v.args[1:])


class _Emitter:
    def __init__(self, program: BlockProgram, source_name: str, unroll: int = 1, prefetch: bool = True,
                 specialize: bool = True, fuse_loops: bool = True, fused_sums: str = "auto",
                 hold_tiles: bool = True, sym: str | None = None, reserved: frozenset[str] = frozenset()):
        self.p = program
        # Python names (:mod:`porter.backends.names`): the kernel's symbol, then its parameters and
        # shared arrays claimed in order, so that their names do not depend on the body's
        self.sym = sym or kernel_symbols([program.kernel], reserved, SYMBOL_FORMS)[program.kernel]
        self.names = Names(RESERVED | reserved, BUILTIN_NAMES)
        for q in program.params:
            self.names.claim(q.name)
        for sh in program.shared:
            self.names.claim(sh.name, ("_sm_{}", "_size_{}", "_reg_{}"))
        self.fused_sums = fused_sums
        self.specialize = specialize
        self.fuse_loops = fuse_loops
        # lane vectors of the program (fused loops read those set outside the loop as [1, LANES])
        self.vectors = lane_vectors(program)
        self.fusion: fuse.Fusion | None = None  # the fused loop being emitted
        # the shape of a lane vector: [LANES], or in a fused loop's body [copies, LANES], where a
        # value set outside the loop is read across the copies (``across``: ``[None, :]``) and
        # ``zeros`` is the tile's zeros
        self.zeros, self.shape, self.across = "_zi", "[LANES]", ""
        self.fused_loops = 0
        self.memory = aliasing(program)  # which parameter each pointer is based on (prefetch past stores)
        self.source_name = text(source_name)
        self.unroll = unroll
        self.prefetch_loads = prefetch
        self.loops = 0  # counters of counted loops
        self.lines: list[str] = []
        # prefetched loads of unrolled loops: (copy, id(load)) -> the variable holding its value,
        # and the renaming of variables while the prefetch code computes a later copy's addresses
        self.copy: int | None = None
        self.prefetches = 0
        self.prefetched: dict[tuple[int, int], str] = {}
        self.renamed: dict[str, str] = {}
        self.fusions: dict[int, fuse.Fusion | None] = {}  # id(loop) -> how it is fused (fusion_of)
        # variables that hold a fused loop's result combined from its partial tile, while neither
        # changed: name -> (the tile, the combining op); a block reduction of one by the same op
        # reduces the tile instead (:meth:`folded`)
        self.combined: dict[str, tuple[str, str, str]] = {}
        # shared arrays that may live in registers (:mod:`registers`), their stores and loads
        self.tiles = registers.plan(program, self.fused_once) if hold_tiles else {}
        self.held = {tile.store: tile for tile in self.tiles.values()}
        self.held_reads = {load: (mangle(tile.name), i) for tile in self.tiles.values() for i, (load, _) in enumerate(tile.reads)}

    def ident(self, name: str) -> str:
        """The Python name of a block-program name in this kernel."""
        return self.names(name)

    # ----------------------------------------------------------------------------- values
    def const(self, v: V) -> str:
        value = v.args[0]
        if v.dtype == "bool":
            return repr(bool(value))
        if isinstance(value, float) and (math.isnan(value) or value in (float("inf"), float("-inf"))):
            text = "_INF" if value > 0 else "-_INF" if value < 0 else 'float("nan")'
            return f"tl.full([], {text}, {TL[v.dtype]})"
        if v.dtype == "i32" and isinstance(value, int) and -2**31 <= value < 2**31:
            return repr(int(value))
        if v.dtype == "f32":
            return repr(float(value))
        return f"tl.full([], {value!r}, {TL[v.dtype]})"

    def vec(self, v: V) -> str:
        """``v`` as a lane vector (broadcast when uniform)."""
        text = self.ex(v)
        if v.vec:
            return text
        zi, shape = self.zeros, self.shape
        if v.dtype.startswith("*"):
            return f"({text} + {zi})"
        if v.dtype == "bool":
            # a vector comparison: the CPU interpreter's masks must be real bool arrays
            if _constant(v):
                return f"({zi} {'==' if v.args and v.args[0] else '!='} 0)" if v.op == "const" else \
                    f"(({zi} + tl.full([], {text}, tl.int32)) != 0)"
            return f"(({zi} + ({text}).to(tl.int32)) != 0)"
        return f"(tl.zeros({shape}, {TL[v.dtype]}) + {text})"

    def identity(self, op: str, dtype: str) -> str:
        """The identity of ``op`` for ``dtype``, as a typed scalar (the value of masked-off lanes)."""
        if op == "add":
            value = "0"
        elif dtype[0] == "f":
            value = "-_INF" if op == "max" else "_INF"
        else:
            bits = int(dtype[1:])
            lo, hi = (0, 2**bits - 1) if dtype[0] == "u" else (-2**(bits - 1), 2**(bits - 1) - 1)
            value = repr(lo if op == "max" else hi)
        return f"tl.full([], {value}, {TL[dtype]})"

    def typed(self, v: V) -> str:
        """``v``, as a typed tensor when it is made of literals only (helpers need tensors)."""
        if _constant(v):
            return f"tl.full([], {self.ex(v)}, {TL[v.dtype]})"
        return self.ex(v)

    def mask(self, m) -> str | None:
        if m is None:
            return None
        if isinstance(m, str):
            return self.var(m)
        return self.ex(m)

    def var(self, name: str) -> str:
        if name in self.renamed:
            return self.renamed[name]
        if name in self.vectors:
            return self.ident(name) + self.across  # in a fused loop: set before it, the same in every copy
        return self.ident(name)

    def ptr(self, base: V, index: V, vector: bool) -> str:
        text = f"{self.ex(base)} + {self.ex(index)}"
        if self.fusion is not None:
            text += " + _zf"  # every copy's pointer (a load's mask may be wider than its address)
        elif vector and not (base.vec or index.vec):
            text += " + _zi"
        return text

    def wide_ptr(self, base: V, index: V, width: int) -> str:
        """Pointers to ``width`` consecutive elements per lane: [LANES, width], rows contiguous."""
        return f"{self.ex(base)} + ({self.vec(index)})[:, None] + tl.arange(0, {width})[None, :]"

    @staticmethod
    def joined(values: list[str]) -> str:
        """The inverse of :meth:`columns`: lane vectors as the columns of a [LANES, 2 or 4] tensor."""
        if len(values) == 2:
            return f"tl.join({values[0]}, {values[1]})"
        return (f"tl.reshape(tl.join(tl.join({values[0]}, {values[2]}), tl.join({values[1]}, {values[3]})), "
                f"[LANES, 4])")

    def ex(self, v: V) -> str:
        a = v.args
        match v.op:
            case "const":
                return self.const(v)
            case "var":
                return self.var(a[0])
            case "param":
                return self.ident(a[0])
            case "tid":
                return f"_tid_{a[0]}{self.across}"
            case "bid" | "bdim" | "gdim":
                return f"_{v.op}_{a[0]}"
            case "ltid":
                return "_ltid" + self.across
            case "bin":
                op = {"&&": "&", "||": "|"}.get(a[0], a[0])
                if a[0] == "/" and v.dtype[0] in "iu":
                    op = "//"
                if v.dtype == "bool" and v.vec and a[0] in ("&&", "||") and not (a[1].vec and a[2].vec):
                    return f"({self.vec(a[1])} {op} {self.vec(a[2])})"
                return f"({self.ex(a[1])} {op} {self.ex(a[2])})"
            case "un":
                if a[0] == "!":
                    return f"({self.ex(a[1])} == 0)"
                return f"({a[0]}{self.ex(a[1])})"
            case "cast":
                if _constant(a[0]):
                    return f"tl.full([], {self.ex(a[0])}, {TL[v.dtype]})"
                if v.dtype == "bool":
                    return f"({self.ex(a[0])} != 0)"
                if v.dtype == "bf16" and a[0].dtype in ("f32", "f64"):
                    return f"_f32_to_bf16(({self.ex(a[0])}).to(tl.float32))"
                return f"{self.ex(a[0])}.to({TL[v.dtype]})" if a[0].op in ("var", "param") else \
                    f"({self.ex(a[0])}).to({TL[v.dtype]})"
            case "splat":
                return self.vec(a[0])
            case "select":
                return f"tl.where({self.ex(a[0])}, {self.ex(a[1])}, {self.ex(a[2])})"
            case "math":
                op = a[0]
                if op == "bitcast":
                    return f"({self.ex(a[1])}).to({TL[v.dtype]}, bitcast=True)"
                if op == "rint_int":
                    return f"_rint(({self.ex(a[1])}).to(tl.float32)).to({TL[v.dtype]})"
                if op == "inf":
                    return f"tl.full([], _INF, {TL[v.dtype]})"
                return MATH[op].format(*(self.typed(x) for x in a[1:]))
            case "load" if id(v) in self.held_reads:
                return self.held_read(v)
            case "load":
                _, base, index, m = a
                if (self.copy, id(v)) in self.prefetched:
                    return self.prefetched[(self.copy, id(v))]
                if m is None:
                    return f"tl.load({self.ptr(base, index, False)})"
                return f"tl.load({self.ptr(base, index, True)}, mask={self.mask(m)}, other=0)"
            case "atomic":
                op, _, base, index, value, m, cmp = a
                if op == "cas":
                    return f"tl.atomic_cas({self.ptr(base, index, True)}, {self.vec(cmp)}, {self.vec(value)})"
                return f"{ATOMIC[op]}({self.ptr(base, index, True)}, {self.vec(value)}, mask={self.mask(m)})"
            case "shfl":
                kind, value, arg, width = (a[0], *a[1:])
                w, x = self.ex(width), self.ex(arg)
                src, ok = shuffle_source(kind, x, w)
                return f"_shuffle({self.vec(value)}, {src}, {ok}, BDX, BDY, BDZ, BX, BY)"
            case "count":
                return f"tl.sum(({self.vec(a[0])} & {self.mask(a[1])}).to(tl.int32), axis=0)"
            case "reduce" if (whole := self.folded(v)) is not None:
                return whole
            case "reduce":
                op, value, m, group = a
                lanes = f"tl.where({self.vec(m)}, {self.vec(value)}, {self.identity(op, v.dtype)})"
                if group is None:
                    return f"{REDUCE[op]}({lanes}, axis=0).to({TL[v.dtype]})"
                return f"_segment_{op}({lanes}, LANES, WARP).to({TL[v.dtype]})"
        raise ValueError(f"internal error in porter, please report: no Triton form for block-program op {v.op}")

    # ------------------------------------------------------------------------------ statements
    def put(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def body(self, stmts, indent: int) -> None:
        start = len(self.lines)
        for s in stmts:
            self.stmt(s, indent)
        if len(self.lines) == start:
            self.put(indent, "pass")

    def stmt(self, s: S, indent: int) -> None:
        """Emit ``s``, keeping :attr:`combined` to the variables whose combined values still hold."""
        if s.kind == "if":
            before = dict(self.combined)
            self.statement(s, indent, before)
            return
        if s.kind in ("loop", "mloop"):  # a later iteration sees what the body sets
            for name in {n for x in walk_statements(s.body) for n in assigned(x)}:
                self.combined.pop(name, None)
        copied = s.args[1] if s.kind in ("let", "set") and (s.kind == "let" or s.args[2] is None) else None
        origin = self.combined.get(copied.args[0]) if copied is not None and copied.op == "var" else None
        self.statement(s, indent)
        for name in assigned(s):
            self.combined.pop(name, None)
        if origin is not None:
            self.combined[s.args[0]] = origin  # a copy of a combined value

    def statement(self, s: S, indent: int, before: dict | None = None) -> None:
        a = s.args
        at = f"  # line {s.line}" if s.line else ""
        match s.kind:
            case "let" | "set" if self.fusion is not None and id(s) in self.fusion.accumulators:
                self.accumulate(indent, self.fusion.accumulators[id(s)], at)
            case "set" if self.fusion is not None and id(s) == self.fusion.increment:
                counter, step = self.ident(a[0]), self.ex(self.fusion.step)
                self.put(indent, f"{counter} = {counter} + {step} * {self.fusion.copies}{at}")
            case "let" | "set":
                self.put(indent, f"{self.var(a[0])} = {self.assigned(s)}{at}")
            case "store" if id(s) in self.held:
                self.hold(indent, s, at)
            case "store":
                self.store(indent, s, at)
            case "vlet":
                names, load = a
                _, base, index, m = load.args
                wide = f"_w{len(self.lines)}"
                mask = f", mask={self.mask(m)}[:, None], other=0" if m is not None else ""
                self.put(indent, f"{wide} = tl.load({self.wide_ptr(base, index, len(names))}{mask}){at}  (wide)")
                self.columns(indent, wide, [self.ident(n) for n in names])
            case "vstore":
                _, base, index, values, m = a
                mask = f", mask={self.mask(m)}[:, None]" if m is not None else ""
                self.put(indent, f"tl.store({self.wide_ptr(base, index, len(values))}, "
                                 f"{self.joined([self.vec(v) for v in values])}{mask}){at}  (wide)")
            case "eval":
                self.put(indent, f"{self.ex(a[0])}{at}")
            case "if":
                # each branch starts from the values before it; after it, what both kept holds
                self.put(indent, f"if {self.ex(a[0])}:{at}")
                self.body(s.body, indent + 1)
                kept, self.combined = self.combined, dict(before)
                if s.orelse:
                    self.put(indent, "else:")
                    self.body(s.orelse, indent + 1)
                self.combined = {k: v for k, v in before.items() if kept.get(k) == v and self.combined.get(k) == v}
            case "where":
                self.put(indent, f"{self.var(a[0])} = {self.ex(a[1])}{at}")
                self.body(s.body, indent)
            case "loop" if len(a) > 1 and a[1] is not None and (fusion := self.fusion_of(s)) is not None:
                self.fused(indent, s, fusion, at)
            case "loop" if len(a) > 1 and a[1] is not None:
                # a counted uniform loop: its trip count once, no condition re-evaluated
                trips = str(a[1].args[0]) if a[1].op == "const" else self.ex(a[1])
                # iterations past the count do nothing when the loop says so (``spare``): unroll
                spare = a[2] if len(a) > 2 else 0
                copies = min(self.unroll, spare + 1) if masked_only(s.body) else 1
                note = "" if copies == 1 else f", {copies} copies of the body per iteration"
                self.counted(indent, trips, copies, f"{at}  (counted{note})", s.body, a[1].dtype)
            case "loop":
                self.put(indent, f"while {self.ex(a[0])}:{at}")
                self.body(s.body, indent + 1)
            case "mloop" if len(a) > 1 and a[1] is not None:
                # a counted loop: the largest trip count of the active lanes, once, instead of a
                # block-wide "any lane left?" on every iteration (the mask stays exact)
                trips = f"_trips_{self.ident(a[0])}"
                self.put(indent, f"{trips} = tl.max(tl.where({self.ident(a[0])}, {self.ex(a[1])}, 0), axis=0){at}")
                copies = self.unroll if masked_only(s.body) else 1
                # every effect in the body is masked, so copies past a lane's trip count do nothing
                note = "" if copies == 1 else f", {copies} copies of the body per iteration"
                self.counted(indent, trips, copies, f"  # masked loop, counted{note}", s.body)
            case "mloop":
                self.put(indent, f"while tl.max({self.ident(a[0])}.to(tl.int32), axis=0) > 0:{at}  (masked loop)")
                self.body(s.body, indent + 1)
            case "barrier":
                self.put(indent, f"tl.debug_barrier()  # __syncthreads{at}")
            case "return":
                self.put(indent, f"return{at}")
            case _:
                raise ValueError(f"internal error in porter, please report: statement {s.kind}")

    # ------------------------------------------------------------- shared arrays in registers
    def fused_once(self, loop: S) -> fuse.Fusion | None:
        """The fusion of a counted loop whose iterations all fit one tile (it runs once)."""
        fusion = self.fusion_of(loop) if len(loop.args) > 1 and loop.args[1] is not None else None
        return fusion if fusion is not None and fuse.runs_once(loop, fusion) else None

    def hold(self, indent: int, s: S, at: str) -> None:
        """The one store of a shared array that may live in registers (:mod:`registers`): for a
        block shape whose reads permute it, its values are the tile, else it is stored."""
        tile = self.held[id(s)]
        value = self.vec(s.args[3])
        self.put(indent, f"if REG_{mangle(tile.name)}_0 is not None:  # {tile.name} in registers for this block shape")
        self.put(indent + 1, f"_reg_{mangle(tile.name)} = ({value}).to({TL[tile.dtype]}){at}")
        self.put(indent, "else:")
        self.store(indent + 1, s, at)

    def held_read(self, v: V) -> str:
        """A load of a shared array in registers: the written tile reshaped, permuted and reshaped
        to the reading lanes (the memory load where the block shape does not allow it)."""
        name, i = self.held_reads[id(v)]
        _, base, index, m = v.args
        order = f"REG_{name}_{i}"
        value = f"tl.reshape(tl.permute(tl.reshape(_reg_{name}, {order}[0]), {order}[1]), {self.shape})"
        if m is not None:
            value = f"tl.where({self.mask(m)}, {value}, 0)"
            load = f"tl.load({self.ptr(base, index, True)}, mask={self.mask(m)}, other=0)"
        else:
            load = f"tl.load({self.ptr(base, index, False)})"
        return f"({value} if {order} is not None else {load})"

    def register_names(self) -> list[str]:
        """The kernel's constexprs of shared arrays in registers: one per read."""
        return [f"REG_{mangle(tile.name)}_{i}" for tile in self.tiles.values() for i in range(len(tile.reads))]

    def registers_function(self) -> str:
        """``_registers_<kernel>(block)``: the kernel's register constexprs for a block shape."""
        sym = self.sym
        lines = ["@functools.lru_cache(maxsize=None)  # once per block shape, not per launch",
                 f"def _registers_{sym}(block):",
                 '    """Shared arrays in registers for this CUDA block shape: each read\'s (shape, order) of the',
                 '    written tile (registers.tile_order), or None for every read of an array (memory)."""',
                 "    block, found = _dim3(block), {}"]
        for tile in self.tiles.values():
            written = (tile.written.offset, tile.written.terms, tile.written.copies)
            reads = [(a.offset, a.terms, a.copies) for _, a in tile.reads]
            lines.append(f"    orders = [_tile_order({written!r}, read, block) for read in {reads!r}]")
            lines.append(f"    found.update({{f'REG_{mangle(tile.name)}_{{i}}': order if None not in orders else None "
                         "for i, order in enumerate(orders)})")
        lines.append("    return found")
        return "\n".join(lines)

    def store(self, indent: int, s: S, at: str) -> None:
        space, base, index, value, m = s.args
        mask = self.mask(m)
        factors = self.fusion.guards.get(id(s), ()) if self.fusion is not None else ()
        if factors:
            # the copies of a lane store to different elements unless a factor of the index's
            # coefficient of the counter is zero: then they all store to one, and only the last
            # copy that stores may (the loop's last write is the one that stays)
            guarded = f"_g{len(self.lines)}"
            zero = " | ".join(f"(({self.ex(f)}) == 0)" for f in factors)
            rows = f"tl.arange(0, {self.fusion.copies})[:, None]"
            self.put(indent, f"{guarded} = {f'({mask}) & ' if mask is not None else ''}({self.zeros} == 0)")
            self.put(indent, f"if {zero}:  # the copies' elements coincide")
            self.put(indent + 1, f"{guarded} = {guarded} & ({rows} == tl.max(tl.where({guarded}, {rows}, -1), "
                                 f"axis=0)[None, :])")
            mask = guarded
        self.put(indent, f"tl.store({self.ptr(base, index, True)}, {self.ex(value)}, mask={mask}){at}")
        if space == "shared" or base.op == "var" and base.args[0] in self.shared_names:
            self.put(indent, "tl.debug_barrier()  # shared stores visible to the block")

    def counted(self, indent: int, trips: str, copies: int, comment: str, body, dtype: str = "i64") -> None:
        """A loop of a known number of iterations, each running ``copies`` copies of ``body``."""
        self.loop_header(indent, trips, copies, comment, dtype)
        plan = prefetch.plan(body, self.memory) if copies > 1 and self.prefetch_loads else None
        # the prefetched names hold for this loop only (a pass may emit the same body twice)
        outer, prefetched = self.copy, dict(self.prefetched)
        if plan is not None:
            self.prefetch(indent + 1, plan, copies)
        for k in range(copies):
            self.copy = k
            self.body(body, indent + 1)
        self.copy, self.prefetched = outer, prefetched

    def loop_header(self, indent: int, trips: str, copies: int, comment: str, dtype: str = "i64") -> None:
        """The head of a loop of ``trips`` iterations taken ``copies`` at a time, its counter of the
        count's type ``dtype`` (a 32-bit count: no 64-bit arithmetic per iteration).

        A literal count is a ``range``; a computed one is a ``while`` on a counter: Triton 3.6's
        interpreter cannot take a tensor as a ``range`` bound (it keeps scalars as 1-element arrays).
        """
        iterations = trips if copies == 1 else f"({trips} + {copies - 1}) // {copies}"
        if trips.isdigit():
            self.put(indent, f"for _ in range(0, {-(-int(trips) // copies)}):{comment}")
        else:
            self.loops += 1
            k = f"_k{self.loops}"
            self.put(indent, f"{k} = tl.full([], 0, {TL[dtype]})")
            self.put(indent, f"while {k} < {iterations}:{comment}")
            self.put(indent + 1, f"{k} += 1")

    # ------------------------------------------------------------------------- fused loops
    def fusion_of(self, loop: S) -> fuse.Fusion | None:
        """How ``loop`` runs fused, or None (decided once: the register plan asks first)."""
        if id(loop) not in self.fusions:
            self.fusions[id(loop)] = self._fusion(loop)
        return self.fusions[id(loop)]

    def _fusion(self, loop: S) -> fuse.Fusion | None:
        if not self.fuse_loops:
            return None
        copies = fuse.copies_for(loop, self.unroll)
        fusion = fuse.plan(loop, copies, self.p, self.memory) if copies > 1 else None
        sums = [a for a in fusion.accumulators.values() if a.in_order] if fusion is not None else []
        if sums and (self.fused_sums == "none" or self.fused_sums == "auto" and
                     not all(fuse.nonnegative(a.term) for a in sums)):
            return None  # a floating-point sum: fused only exactly (in-order, with exchanges) or reassociated
        return fusion

    def fused(self, indent: int, loop: S, fusion: fuse.Fusion, at: str) -> None:
        """A counted loop run ``copies`` iterations at a time, side by side (see :mod:`fuse`): the
        body once over [copies, LANES] tensors, the counter a column of the copies' values."""
        trips = loop.args[1]
        count = str(trips.args[0]) if trips.op == "const" else self.ex(trips)
        copies = fusion.copies
        self.fused_loops += 1
        tag = f"_f{self.fused_loops}"
        self.partials(indent, fusion)
        if fuse.runs_once(loop, fusion):  # one tile holds every iteration: no loop
            self.put(indent, f"# {at.strip(' #')}: all {copies} iterations side by side")
            inner = indent
        else:
            self.loop_header(indent, count, copies, f"{at}  (counted, {copies} iterations side by side)", trips.dtype)
            inner = indent + 1
        # copies along the first axis: lanes stay the fastest-varying one, so that a warp's accesses
        # are consecutive lanes (with copies last, a warp spans a few lanes of every copy: strided)
        self.put(inner, f"_zf = tl.zeros([{copies}, LANES], dtype=tl.int32)")
        counter = f"{tag}_{self.ident(fusion.counter)}"
        self.put(inner, f"{counter} = {self.ident(fusion.counter)} + {self.ex(fusion.step)} * "
                        f"tl.arange(0, {copies})[:, None]  # the counter of each copy")
        outer = self.renamed
        self.renamed = {**outer, fusion.counter: counter, **{name: f"{tag}_{self.ident(name)}" for name in fusion.locals}}
        self.fusion = fusion
        self.zeros, self.shape, self.across = "_zf", f"[{copies}, LANES]", "[None, :]"
        self.body(loop.body, inner)
        self.fusion, self.renamed = None, outer
        self.zeros, self.shape, self.across = "_zi", "[LANES]", ""
        self.combine(indent, fusion)

    def partial(self, acc: fuse.Accumulator) -> str:
        return f"_f{self.fused_loops}_{self.ident(acc.name)}"

    def partials(self, indent: int, fusion: fuse.Fusion) -> None:
        """Before a fused loop: each accumulator's partial results, one row per copy, the first
        row its value on entry and the others the identity (the rows stay apart until the loop
        ends: no exchange between lanes inside)."""
        for acc in fusion.accumulators.values():
            if not self.in_order(acc):
                dtype = TL[acc.term.dtype]
                entry = self.vec(V("var", acc.term.dtype, acc.name in self.vectors, (acc.name,)))
                self.put(indent, f"{self.partial(acc)} = tl.where(tl.arange(0, {fusion.copies})[:, None] == 0, "
                                 f"({entry}).to({dtype})[None, :], {self.identity(acc.op, acc.term.dtype)})"
                                 f"  # {acc.name}: a partial {acc.op} per copy")

    def combine(self, indent: int, fusion: fuse.Fusion) -> None:
        """After a fused loop: each accumulator takes its copies' partial results."""
        for acc in fusion.accumulators.values():
            if not self.in_order(acc):
                name, dtype = self.ident(acc.name), TL[acc.term.dtype]
                self.put(indent, f"{name} = {REDUCE[acc.op]}({self.partial(acc)}, axis=0).to({dtype})  "
                                 "# the copies' partial results")
                self.combined[acc.name] = (self.partial(acc), acc.op, acc.term.dtype)

    def folded(self, v: V) -> str | None:
        """A block-wide reduction of a variable combined from a fused loop's partial tile by the
        same op, as one reduction of the tile (the lanes' combination is only ever reduced: no
        exchange between the copies' rows first, which would cost as much as the reduction)."""
        op, value, m, group = v.args
        found = self.combined.get(value.args[0]) if value.op == "var" and group is None else None
        if found is None or found[1] != op or self.fusion is not None:
            return None
        tile, _, dtype = found
        return (f"{REDUCE[op]}(tl.where(({self.vec(m)})[None, :], {tile}, "
                f"{self.identity(op, dtype)})).to({TL[v.dtype]})")

    def in_order(self, acc: fuse.Accumulator) -> bool:
        """Whether the copies' terms go into ``acc`` one by one in iteration order (a floating-point
        sum when the sums option says so) rather than through partial results."""
        return acc.in_order and self.fused_sums == "in-order"

    def accumulate(self, indent: int, acc: fuse.Accumulator, at: str) -> None:
        """``acc = op(acc, term)`` for every copy of a fused loop: into the copies' partial results
        (max, min and integer sums: exact in any order; floating-point sums reassociated, as
        tl.sum does), or for a floating-point sum under ``in-order`` copy by copy in iteration
        order, so that each lane adds exactly what the loop added (a layout exchange per
        iteration: slower)."""
        copies, name = self.fusion.copies, self.ident(acc.name)
        mask = self.mask(acc.mask) if acc.mask is not None else None
        if not self.in_order(acc):
            partial, term = self.partial(acc), self.ex(acc.term)
            combined = f"{partial} + {term}" if acc.op == "add" else MATH[acc.op].format(partial, term)
            text = f"tl.where({mask}, {combined}, {partial})" if mask else combined
            self.put(indent, f"{partial} = {text}{at}  ({acc.name}, per copy)")
            return
        tag = f"_f{self.fused_loops}_{name}"
        columns = [f"{tag}{k}" for k in range(copies)]
        term = acc.term
        product = term.op == "bin" and term.args[0] == "*"
        parts = [term.args[1], term.args[2]] if product else [term]
        split = []
        for i, part in enumerate(parts):
            names = [f"{c}_{i}" for c in columns]
            self.columns(indent, f"tl.trans(tl.zeros([{copies}, LANES], {TL[part.dtype]}) + {self.ex(part)})", names)
            split.append(names)
        if mask:
            self.columns(indent, f"tl.trans(({mask}) & (_zf == 0))", [f"{c}_m" for c in columns])
        for k, column in enumerate(columns):
            value = f"{split[0][k]} * {split[1][k]}" if product else split[0][k]
            added = f"{name} + {value}"
            text = f"tl.where({column}_m, {added}, {name})" if mask else added
            self.put(indent, f"{name} = {text}{at if k == 0 else ''}{'  (copy by copy, in order)' if k == 0 else ''}")

    def columns(self, indent: int, wide: str, names: list[str]) -> None:
        """The columns of a [LANES, len(names)] tensor into ``names``, in order (a power of two:
        tl.split halves the last dimension, so the even and the odd columns come apart first)."""
        if len(names) == 2:
            self.put(indent, f"{names[0]}, {names[1]} = tl.split({wide})")
            return
        tag = wide if wide.isidentifier() else f"_c{len(self.lines)}"
        self.put(indent, f"{tag}_even, {tag}_odd = tl.split(tl.reshape({wide}, [LANES, {len(names) // 2}, 2]))")
        self.columns(indent, f"{tag}_even", names[0::2])
        self.columns(indent, f"{tag}_odd", names[1::2])

    def assigned(self, s: S) -> str:
        """The right-hand side of a ``let`` or ``set``."""
        a = s.args
        value = a[1]
        text = self.ex(value)
        if s.kind == "let" and value.op == "const" and not value.vec:
            # typed, so that a loop that updates it keeps one type
            text = f"tl.full([], {value.args[0]!r}, {TL[value.dtype]})"
            if isinstance(value.args[0], float) and not math.isfinite(value.args[0]):
                text = self.const(value)
        if s.kind == "set" and a[2] is not None:
            text = f"tl.where({self.mask(a[2])}, {text}, {self.var(a[0])})"
        return text

    def prefetch(self, indent: int, plan: prefetch.Plan, copies: int) -> None:
        """Every copy's hoistable loads, issued before any copy runs (see :mod:`prefetch`): the
        pure statements run again under new names to give each copy's addresses and masks."""
        self.put(indent, f"# the {copies} copies' loads first, so that they are in flight together")
        last = max(i for i, (_, loads, _) in enumerate(plan.steps) if loads)
        self.prefetches += 1
        tag = self.prefetches
        for k in range(copies):
            self.copy = k
            for i, (s, loads, pure) in enumerate(plan.steps):
                if k == copies - 1 and i > last:
                    break
                for load in loads:
                    name = f"_ld{tag}_{k}_{len(self.prefetched)}"
                    self.put(indent, f"{name} = {self.ex(load)}")
                    self.prefetched[(k, id(load))] = name
                if pure:
                    target = s.args[0]
                    text = self.ex(s.args[1]) if s.kind == "where" else self.assigned(s)
                    self.renamed[target] = f"_p{tag}_{k}_{self.ident(target)}"
                    self.put(indent, f"{self.renamed[target]} = {text}")
        self.renamed = {}

    # ------------------------------------------------------------------------------- kernel
    def kernel(self) -> str:
        p = self.p
        sym = self.sym
        self.shared_names = {sh.name for sh in p.shared}
        scalars = [q for q in p.params if q.kind == "scalar"]
        args = [self.ident(q.name) for q in p.params]
        args += [f"_sm_{mangle(sh.name)}" for sh in p.shared]
        args += [f"_size_{mangle(sh.name)}" for sh in p.shared]
        # the CUDA block's dimensions are compile-time constants (one compiled kernel per block
        # shape, as a CUDA template would be): masks and lane-exchange choices fold away
        args += ["BDX: tl.constexpr", "BDY: tl.constexpr", "BDZ: tl.constexpr"]
        args += ["BX: tl.constexpr", "BY: tl.constexpr", "BZ: tl.constexpr", "LANES: tl.constexpr"]
        if uses_segments(p):
            args.append("WARP: tl.constexpr")
        args += [f"{name}: tl.constexpr" for name in self.register_names()]
        if self.specialize:
            # Triton specializes integer arguments as it does for hand-written kernels (divisible by
            # 16: aligned row pointers and masks constant over 16 lanes, so vector accesses)
            self.put(0, "@triton.jit")
        else:
            nospec = [self.ident(q.name) for q in scalars] + [f"_size_{mangle(sh.name)}" for sh in p.shared]
            self.put(0, f"@triton.jit(do_not_specialize={nospec!r})")
        self.put(0, f"def {sym}_kernel({', '.join(args)}):")
        self.put(1, f'"""CUDA kernel {text(p.kernel)} ({self.source_name}:{p.line}): one program per CUDA block, '
                 'one lane per thread."""')
        self.put(1, "_lane = tl.arange(0, LANES)")
        self.put(1, "_zi = tl.zeros([LANES], dtype=tl.int32)")
        self.put(1, "_tid_x = (_lane % BX).to(tl.uint32)")
        self.put(1, "_tid_y = ((_lane // BX) % BY).to(tl.uint32)")
        self.put(1, "_tid_z = (_lane // (BX * BY)).to(tl.uint32)")
        for d in "xyz":
            self.put(1, f"_bdim_{d} = tl.full([], BD{d.upper()}, tl.uint32)")
        for k, d in enumerate("xyz"):
            self.put(1, f"_bid_{d} = tl.program_id({k}).to(tl.uint32)")
            self.put(1, f"_gdim_{d} = tl.num_programs({k}).to(tl.uint32)")
        self.put(1, "_valid = (_tid_x < _bdim_x) & (_tid_y < _bdim_y) & (_tid_z < _bdim_z)  # padding lanes off")
        self.put(1, "_act = _valid")
        self.put(1, "_ltid = (_tid_x + _tid_y * _bdim_x + _tid_z * _bdim_x * _bdim_y).to(tl.int32)")
        self.put(1, "_pid = _bid_x.to(tl.int64) + _bid_y.to(tl.int64) * _gdim_x + _bid_z.to(tl.int64) * _gdim_x * _gdim_y")
        for sh in p.shared:
            self.put(1, f"{self.ident(sh.name)} = _sm_{mangle(sh.name)} + _pid * _size_{mangle(sh.name)}  # __shared__ {sh.name}: block-local")
        for q in scalars:
            conv = f"tl.full([], {self.ident(q.name)}, {TL['i32' if q.dtype == 'bool' else q.dtype]})"
            conv = f"({conv} != 0)" if q.dtype == "bool" else conv
            self.put(1, f"{self.ident(q.name)} = {conv}")
        self.body(p.body, 1)
        return "\n".join(self.lines)

    def pointer_checks(self) -> list[str]:
        """Each pointer argument: a contiguous tensor of its CUDA element type on the launch's
        device (one test when it is); anything else gets ``_tensor``'s error naming the parameter."""
        p = self.p
        ptrs = [q for q in p.params if q.kind == "ptr"]
        lines = [f"    _dev = _device({', '.join(self.ident(q.name) for q in ptrs)})",
                 "    if _dev.type != \"cuda\":",
                 f"        _off_device({p.kernel!r}, _dev)",
                 "    if stream is not None:",
                 f"        _no_stream({p.kernel!r}, stream)"]
        for q in ptrs:
            name, dtype = self.ident(q.name), TORCH[q.dtype]
            lines.append(f"    if not isinstance({name}, torch.Tensor) or {name}.dtype != {dtype} "
                         f"or {name}.device != _dev or not {name}.is_contiguous():")
            lines.append(f"        _tensor({p.kernel!r}, {q.name!r}, {cuda_type(q)!r}, {name}, {dtype}, _dev)")
        return lines

    def launcher(self) -> str:
        p = self.p
        sym = self.sym
        names = [self.ident(q.name) for q in p.params]
        lines = [f"def {sym}({''.join(n + ', ' for n in names)}{LAUNCH_KEYWORDS}):",
                 f'    """Launch {text(p.kernel)} as CUDA would: grid of blocks, block of threads; results in '
                 'place."""']
        lines += launcher_checks(p, self.ident, p.kernel)
        lines += self.pointer_checks()
        lines += ["    _BX, _BY, _BZ = _p2(_bx), _p2(_by), _p2(_bz)",
                  "    _programs = _gx * _gy * _gz"]
        extra = []
        if self.tiles:
            lines.append(f"    _reg = _registers_{sym}((_bx, _by, _bz))")
        for sh in p.shared:
            size = str(sh.size) if sh.size is not None else f"max(1, shared_bytes // {SIZE[sh.dtype]})"
            lines.append(f"    _size_{mangle(sh.name)} = {size}")
            programs = f"(1 if _reg['REG_{mangle(sh.name)}_0'] is not None else _programs)" if sh.name in self.tiles else "_programs"
            lines.append(f"    _sm_{mangle(sh.name)} = torch.empty({programs} * _size_{mangle(sh.name)}, dtype={TORCH[sh.dtype]}, device=_dev)")
            extra.append(f"_sm_{mangle(sh.name)}")
        sizes = [f"_size_{mangle(sh.name)}" for sh in p.shared]
        call = names + extra + sizes
        warp = ", WARP=min(32, _BX * _BY * _BZ)" if uses_segments(p) else ""
        warp += ", **_reg" if self.tiles else ""
        # a block that streams through memory in strided lane loops keeps the CUDA block's warps
        streams = ", streams=True" if p.strided else ""
        arguments = "".join(f"{a}, " for a in call)  # a kernel may have no parameters at all
        lines.append(f"    {sym}_kernel[(_gx, _gy, _gz)]({arguments}BDX=_bx, BDY=_by, BDZ=_bz, BX=_BX, BY=_BY, "
                     f"BZ=_BZ, LANES=_BX * _BY * _BZ{warp}, num_warps=_warps(_BX * _BY * _BZ, _programs, _dev{streams}))")
        out = ", ".join(f"{k}: {self.ident(p.params[k].name)}" for k in written_pointers(p))
        lines.append(f"    return {{{out}}}")
        lines.append("")
        lines.append("")
        sig = {self.ident(q.name): ("*" + SIG[q.dtype]) if q.kind == "ptr" else
               {"f32": "fp32", "f16": "fp32", "bf16": "fp32"}.get(q.dtype, "i64" if q.dtype in ("i64", "u64") else "i32")
               for q in p.params}
        sig.update({f"_sm_{mangle(sh.name)}": "*" + SIG[sh.dtype] for sh in p.shared})
        sig.update({f"_size_{mangle(sh.name)}": "i32" for sh in p.shared})
        lines.append(f"def {sym}_signature(block=(1, 1, 1), shared_bytes=0):")
        lines.append('    """(signature, constexprs) of the jit kernel for the static compile gate."""')
        lines.append("    bx, by, bz = _dim3(block)")
        lines.append(f"    sig = {sig!r}")
        lines.append("    sig.update(BDX='constexpr', BDY='constexpr', BDZ='constexpr', BX='constexpr', BY='constexpr', BZ='constexpr', LANES='constexpr')")
        lines.append("    constexprs = dict(BDX=bx, BDY=by, BDZ=bz, BX=_p2(bx), BY=_p2(by), BZ=_p2(bz), "
                     "LANES=_p2(bx) * _p2(by) * _p2(bz))")
        if uses_segments(p):
            lines.append("    sig.update(WARP='constexpr')")
            lines.append("    constexprs.update(WARP=min(32, _p2(bx) * _p2(by) * _p2(bz)))")
        if self.tiles:
            lines.append(f"    sig.update(dict.fromkeys({self.register_names()!r}, 'constexpr'))")
            lines.append(f"    constexprs.update(_registers_{sym}(_dim3(block)))")
        lines.append("    return sig, constexprs")
        if self.tiles:
            lines[:0] = [self.registers_function(), "", ""]
        return "\n".join(lines)


PRELUDE = '''"""Triton port of {source} made by porter (SIMT-to-tile lowering); do not edit by hand.

Each CUDA kernel is a @triton.jit kernel run as one program per CUDA block, with one lane per
CUDA thread (block dimensions padded to powers of two; padding lanes masked off), and a launcher
with the CUDA kernel's signature and grid semantics. KERNELS maps kernel names to launchers.
"""

import functools

import torch
import triton
import triton.language as tl


def _dim3(value):
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return tuple(int(v) for v in value) + (1,) * (3 - len(value))


def _p2(n):
    return 1 << max(0, int(n) - 1).bit_length()


# warps per program (TritonOptions.warps): "packed" at most Triton's default of 4, so that a
# larger block puts two or more lanes in each thread (wider accesses, more loads in flight per
# thread); "cuda" one warp per CUDA warp, the CUDA block's own shape; "auto" packed, unless the
# grid's packed programs would not fill the GPU's multiprocessors (then cuda: more threads in
# flight) or the kernel streams through memory in strided lane loops (then cuda: as many blocks
# per multiprocessor as CUDA, so as much of what they read again still in the caches)
_WARPS = {warps!r}
_RESIDENT = {{}}


def _resident_warps(device):
    # warps the device holds at once, and its warp size ((0, 32) off the GPU, where warps do nothing)
    if device is None or device.type != "cuda":
        return 0, 32
    if device not in _RESIDENT:
        props = torch.cuda.get_device_properties(device)
        warp = getattr(props, "warp_size", 32)
        per_sm = getattr(props, "max_threads_per_multi_processor", 2048) // warp
        _RESIDENT[device] = props.multi_processor_count * per_sm, warp
    return _RESIDENT[device]


def _warps(lanes, programs=None, device=None, policy=_WARPS, streams=False):
    resident, warp = _resident_warps(device)
    full = max(1, lanes // warp)
    packed = min(4, full)
    if policy == "cuda" or policy == "auto" and (streams or programs is not None and programs * packed < resident):
        return full
    return packed


def _warp_choices(lanes, warp=32):
    # every warp count a launch may pick on a GPU of this warp size (the compile gate builds each)
    full = max(1, lanes // warp)
    return sorted(set({{"packed": [min(4, full)], "cuda": [full], "auto": [min(4, full), full]}}[_WARPS]))


def _device(*tensors):
    # the launch's device: the first tensor argument's (numpy arrays are copied there); with none,
    # the CPU under the interpreter, else the current GPU
    for t in tensors:
        if isinstance(t, torch.Tensor):
            return t.device
    return torch.device("cpu" if _interpreting() else "cuda")
'''

#: the launchers' argument checks (README "Calling a port"): pointers are contiguous torch tensors
#: of the CUDA element type on one device (cuda; cpu too under TRITON_INTERPRET=1)
LAUNCH = '''
def _interpreting():
    # TRITON_INTERPRET=1 when triton was imported: jit functions are then interpreted ones
    return not hasattr(_tanh, "device_caches")


def _off_device(kernel, device):
    if not _interpreting():
        raise ValueError(f"{kernel}: the pointer arguments are on {device}; compiled Triton kernels run on a GPU "
                         "(tensors on cuda); to run on the CPU, set TRITON_INTERPRET=1 before importing triton")
    if device.type != "cpu":
        raise ValueError(f"{kernel}: the pointer arguments are on {device}; Triton's interpreter takes tensors "
                         "on cpu or cuda")


def _tensor(kernel, name, ctype, value, dtype, device):
    """The error of a pointer argument that is not a contiguous tensor of dtype on device."""
    want = str(dtype).replace("torch.", "")
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes a torch tensor; got {_what(value)} (a numpy "
                        "array a: pass torch.from_numpy(a), which shares its memory, so the results land in a; "
                        "for a GPU launch, .to('cuda') and copy back)")
    if value.dtype != dtype:
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes {want} elements; got {_what(value)} "
                        f"(convert it with .to({dtype}); porter converts no element type silently)")
    if value.device != device:
        raise ValueError(f"{kernel}: parameter {name} ({ctype}) is on {value.device}, an earlier pointer argument "
                         f"on {device}: every pointer argument of a launch must be on one device")
    raise ValueError(f"{kernel}: parameter {name} ({ctype}) is not contiguous (strides {value.stride()}): a port "
                     "addresses memory as CUDA does, flat and in order; pass .contiguous() and read the results "
                     "from that tensor")


def _no_stream(kernel, stream):
    raise ValueError(f"{kernel}: a Triton launch runs on torch's current stream: pass stream=None and launch "
                     f"inside `with torch.cuda.stream(s):` to use another; got stream={_what(stream)}")
'''


REDUCE = {"add": "tl.sum", "max": "tl.max", "min": "tl.min"}

# the launchers' copy of registers.tile_order (a port imports nothing from porter)
TILE_ORDER = "\n\n" + inspect.getsource(registers.tile_order).replace("def tile_order(", "def _tile_order(", 1)


# per-warp reductions: each run of WARP lanes reduced, the result broadcast back to its lanes
SEGMENTS = """
@triton.jit
def _segment_add(x, LANES: tl.constexpr, WARP: tl.constexpr):
    r = tl.sum(tl.reshape(x, [LANES // WARP, WARP]), axis=1)
    return tl.reshape(tl.broadcast_to(tl.expand_dims(r, 1), [LANES // WARP, WARP]), [LANES])


@triton.jit
def _segment_max(x, LANES: tl.constexpr, WARP: tl.constexpr):
    r = tl.max(tl.reshape(x, [LANES // WARP, WARP]), axis=1)
    return tl.reshape(tl.broadcast_to(tl.expand_dims(r, 1), [LANES // WARP, WARP]), [LANES])


@triton.jit
def _segment_min(x, LANES: tl.constexpr, WARP: tl.constexpr):
    r = tl.min(tl.reshape(x, [LANES // WARP, WARP]), axis=1)
    return tl.reshape(tl.broadcast_to(tl.expand_dims(r, 1), [LANES // WARP, WARP]), [LANES])
"""


def uses_segments(program: BlockProgram) -> bool:
    """Whether ``program`` has a per-warp ``reduce`` (it needs the WARP constexpr and helpers)."""
    return any(v.op == "reduce" and v.args[3] for s in walk_statements(program.body) for a in s.args for v in values_in(a))




def emit_module(programs: list[BlockProgram], source_name: str, unroll: int = 1, prefetch: bool = True,
                warps: str = "auto", specialize: bool = True, fuse_loops: bool = True,
                fused_sums: str = "auto", hold_tiles: bool = True,
                each: Callable[[list[BlockProgram], Callable], list] | None = None) -> str:
    """The module of ``programs``. ``each(programs, emit)``, when given, runs ``emit(program)`` for
    each program and returns the results of those that did not raise (see
    :func:`porter.backends.tile.each_program`): the module then holds only those kernels."""
    parts = [PRELUDE.format(source=text(source_name), warps=warps), HELPERS, LAUNCH, runtime_source()]
    if any(uses_segments(p) for p in programs):
        parts.append(SEGMENTS)
    module = frozenset(module_names(*parts, SEGMENTS, TILE_ORDER) | RESERVED)
    symbols = kernel_symbols([p.kernel for p in programs], module, SYMBOL_FORMS)
    # kernel parameters and variables shadow no module-level name a launcher or jit kernel reads
    reserved = module | {form.format(sym) for sym in symbols.values() for form in ("{}_kernel", "_registers_{}")}

    def emit(program: BlockProgram) -> tuple[BlockProgram, bool, str]:
        emitter = _Emitter(program, source_name, unroll, prefetch, specialize, fuse_loops, fused_sums, hold_tiles,
                           sym=symbols[program.kernel], reserved=reserved)
        return program, bool(emitter.tiles), "\n" + emitter.kernel() + "\n\n\n" + emitter.launcher()

    emitted = each(programs, emit) if each is not None else [emit(p) for p in programs]
    programs = [program for program, _, _ in emitted]
    order_helper = False
    for _, tiles, kernel in emitted:
        if tiles and not order_helper:  # the helper goes before the first kernel that uses it
            order_helper = True
            parts.append(TILE_ORDER)
        parts.append(kernel)
    kernels = ", ".join(f"{p.kernel!r}: {symbols[p.kernel]}" for p in programs)
    gate = ", ".join(f"{p.kernel!r}: ({symbols[p.kernel]}_kernel, {symbols[p.kernel]}_signature)" for p in programs)
    parts.append(f"\nKERNELS = {{{kernels}}}\nGATE = {{{gate}}}\n")
    return "\n".join(parts)
