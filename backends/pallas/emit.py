"""Block program -> a JAX Pallas module: one ``pl.pallas_call`` per CUDA kernel, in two flavours.

The emitted module's contract (the check harness relies on it): ``KERNELS`` maps each kernel name
as launches write it ("saxpy", "reduce_sum<256>") to a launcher
``f(*args, grid=(gx, gy, gz), block=(bx, by, bz), shared_bytes=0, stream=None)`` taking the CUDA
parameters in order (jax or numpy arrays for pointers, Python numbers for scalars), checking them
(:mod:`porter.backends.launchers`) and returning ``{parameter index: array}`` for every pointer
parameter the kernel writes (the in-place update expressed functionally through
``input_output_aliases``; numpy arrays given for those parameters get the results too, and are
what the dict holds for them). ``INTERPRET`` (module global) is passed to
``pallas_call(interpret=...)``: ``False`` for the real lowering, ``True`` or a
``pltpu.InterpretParams`` for the CPU interpreters. ``FLAVOR`` says which flavour it is.

Flavours (see :mod:`.options`): the GPU flavour is the Triton emitter's model: one program per
CUDA block, lanes padded to powers of two, whole-array refs read and written through masked
gathers/scatters (``pallas.triton`` load/store/atomics). The TPU flavour (:mod:`.tpu`) re-tiles
independent threads into (8, 128) blocks of the global thread index, and runs the other kernels one
program per CUDA block over whole arrays in VMEM.
Both walk the same statements: ``if``/``loop``/``mloop`` become ``lax.cond``/``lax.while_loop``
over the variables the body assigns.
"""

from __future__ import annotations

import math

from porter.backends.names import Names, kernel_symbols, mangle, module_names, text
from porter.backends.launchers import LAUNCH_KEYWORDS, cuda_type, launcher_checks, runtime_source
from porter.backends.tile import shuffle_source
from porter.backends.pallas.tables import JNP, MATH, SIZE

from porter.passes.tile.program import BlockProgram, S, V, walk_statements

RESERVED = {"jax", "jnp", "lax", "pl", "plt", "pltpu", "math", "functools", "range", "min", "max", "abs",
            "float", "int", "len", "print", "KERNELS", "INTERPRET", "FLAVOR",
            # the launcher's own parameters
            "grid", "block", "shared_bytes", "stream"}
BUILTIN_NAMES = {"act": "_act", "ltid": "_ltid"}


class PortError(Exception):
    """A construct the chosen flavour cannot express: turned into a diagnostic by the backend."""

    def __init__(self, diag_id: str, message: str, line: int = 0):
        super().__init__(message)
        self.diag_id, self.message, self.line = diag_id, message, line


def lanes_of(dtype: str) -> int:
    return int(dtype.split("x")[1]) if "x" in dtype[1:] else 1


def assigned(stmts) -> list[str]:
    """Names a statement list assigns (``set``), in order, nested bodies included."""
    out: list[str] = []
    for s in stmts:
        if s.kind == "set" and s.args[0] not in out:
            out.append(s.args[0])
        for name in assigned(s.body) + assigned(s.orelse):
            if name not in out:
                out.append(name)
    return out


def values(v):
    """Every value node under ``v``."""
    if not isinstance(v, V):
        return
    yield v
    for a in v.args:
        yield from values(a)


class Emitter:
    """The shared walk; :class:`TpuEmitter` overrides the memory accesses and the thread indices."""

    flavor = "gpu"

    def __init__(self, program: BlockProgram, source_name: str, sym: str | None = None,
                 reserved: frozenset[str] = frozenset()):
        self.p = program
        # Python names (:mod:`porter.backends.names`): the kernel's symbol, then its parameters
        # (with their refs ``x_ref``) and shared arrays claimed in order
        self.sym = sym or kernel_symbols([program.kernel], reserved)[program.kernel]
        self.names = Names(RESERVED | reserved, BUILTIN_NAMES)
        for q in program.params:
            self.names.claim(q.name, ("{}_ref",))
        for sh in program.shared:
            self.names.claim(sh.name)
        self.source_name = text(source_name)
        self.lines: list[str] = []
        self.shared = {sh.name: sh for sh in program.shared}
        self.params = {q.name: q for q in program.params}
        self.ptrvars: dict[str, str] = {}  # local pointer variable -> the ref it points into
        self.written: list[str] = []  # refs the kernel stores to (params and shared)
        self.counter = 0
        self.line = 0
        self.analyse()

    def ident(self, name: str) -> str:
        """The Python name of a block-program name in this kernel."""
        return self.names(name)

    # ------------------------------------------------------------------------ pointer analysis
    def analyse(self) -> None:
        for s in walk_statements(self.p.body):
            self.line = s.line
            if s.kind in ("let", "set") and s.args[1].dtype.startswith("*"):
                ref, _ = self.resolve(s.args[1])
                if self.ptrvars.setdefault(s.args[0], ref) != ref:
                    raise PortError("P0601", f"pointer {s.args[0]} points into {ref} and "
                                    f"{self.ptrvars[s.args[0]]}", s.line)
            if s.kind == "store":
                self.mark(self.resolve(s.args[1])[0])
            for v in (x for a in s.args if isinstance(a, V) for x in values(a)):
                if v.op == "atomic":
                    self.mark(self.resolve(v.args[2])[0])
                    if self.flavor == "gpu":
                        self.check_gpu_atomic(v, used=not (s.kind == "eval" and s.args[0] is v))

    def check_gpu_atomic(self, v: V, used: bool) -> None:
        """jax's Pallas-Triton lowering picks the atomic's kind from the value's type but tests it
        as a scalar: on integer lane vectors atomic_add becomes a float add (tt.atomic_rmw fadd)
        and atomic_max/min the float expansion. Integer adds whose old value is not used go
        through the ref add-update primitive (an integer add); the others have no correct form."""
        op, dtype = v.args[0], v.dtype
        if dtype[0] not in "iu" or op not in ("add", "max", "min"):
            return
        if op == "add" and not used:
            return
        what = f"atomic{op.capitalize()} on {dtype}" + (" whose old value is used" if op == "add" else "")
        raise PortError("P0609", f"{what} (jax's Pallas-Triton lowering emits a float atomic for integer "
                        "lane vectors)", self.line)

    def mark(self, ref: str) -> None:
        if ref not in self.written:
            self.written.append(ref)

    def resolve(self, v: V) -> tuple[str, str]:
        """(ref name, element offset expression) of a pointer value."""
        if v.op == "param":
            return v.args[0], "0"
        if v.op == "var" and v.args[0] in self.shared:
            return v.args[0], f"_off_{v.args[0]}"
        if v.op == "var" and v.args[0] in self.ptrvars:
            return self.ptrvars[v.args[0]], self.ident(v.args[0])
        if v.op == "bin" and v.args[0] in ("+", "-"):
            ref, off = self.resolve(v.args[1])
            step = self.ex(v.args[2])
            scale = lanes_of(v.dtype)
            step = f"{step} * {scale}" if scale > 1 else step
            return ref, step if off == "0" and v.args[0] == "+" else f"({off} {v.args[0]} {step})"
        raise PortError("P0601", f"a pointer made by {v.op} (no single array it points into)", self.line)

    def refname(self, ref: str) -> str:
        return f"_sm_{mangle(ref)}" if ref in self.shared else f"{self.ident(ref)}_ref"

    def index(self, base: V, index: V) -> tuple[str, str]:
        ref, off = self.resolve(base)
        idx = self.ex(index)
        return self.refname(ref), idx if off == "0" else f"{off} + {idx}"

    # ----------------------------------------------------------------------------- values
    def const(self, v: V) -> str:
        value = v.args[0]
        if v.dtype == "bool":
            return f"jnp.bool_({bool(value)})"
        if isinstance(value, float) and not math.isfinite(value):
            return f'{JNP[v.dtype]}(float("{value}"))'
        if v.dtype[0] in "fb":
            return f"{JNP[v.dtype]}({float(value)!r})"
        return f"{JNP[v.dtype]}({int(value)!r})"

    def vec(self, v: V) -> str:
        text = self.ex(v)
        return text if v.vec else f"jnp.broadcast_to({text}, _SHAPE)"

    def value(self, v: V) -> str:
        """A value bound to a variable; pointers are int32 element offsets (one type across loops)."""
        if v.dtype.startswith("*"):
            return f"jnp.asarray({self.ex(v)}).astype(jnp.int32)"
        return self.ex(v)

    def mask(self, m) -> str | None:
        if m is None:
            return None
        return self.ident(m) if isinstance(m, str) else self.ex(m)

    def ex(self, v: V) -> str:
        a = v.args
        match v.op:
            case "const":
                return self.const(v)
            case "var" | "param":
                if v.dtype.startswith("*"):
                    return self.resolve(v)[1]
                return self.ident(a[0])
            case "tid" | "bid" | "bdim" | "gdim":
                return f"_{v.op}_{a[0]}"
            case "ltid":
                return "_ltid"
            case "bin":
                if v.dtype.startswith("*"):
                    return self.resolve(v)[1]
                x, y = self.ex(a[1]), self.ex(a[2])
                if a[0] in ("/", "%") and v.dtype[0] in "iu":
                    return f"lax.{'div' if a[0] == '/' else 'rem'}({x}, {y})"
                op = {"&&": "&", "||": "|"}.get(a[0], a[0])
                return f"({x} {op} {y})"
            case "un":
                if a[0] == "!":
                    return f"jnp.logical_not({self.ex(a[1])})"
                return f"({a[0]}{self.ex(a[1])})"
            case "cast":
                if v.dtype == "bool":
                    return f"({self.ex(a[0])} != 0)"
                return f"jnp.asarray({self.ex(a[0])}).astype({JNP[v.dtype]})"
            case "splat":
                return self.vec(a[0])
            case "select":
                return f"jnp.where({self.ex(a[0])}, {self.ex(a[1])}, {self.ex(a[2])})"
            case "math":
                op = a[0]
                if op == "bitcast":
                    return f"lax.bitcast_convert_type({self.ex(a[1])}, {JNP[v.dtype]})"
                if op == "rint_int":
                    return f"_rint(jnp.asarray({self.ex(a[1])}).astype(jnp.float32)).astype({JNP[v.dtype]})"
                if op == "inf":
                    return f'{JNP[v.dtype]}(float("inf"))'
                if op not in MATH:
                    raise PortError("P0605", f"math function {op}", self.line)
                return MATH[op].format(*(self.ex(x) for x in a[1:]))
            case "load":
                return self.load(v)
            case "atomic":
                return self.atomic(v)
            case "shfl":
                return self.shuffle(v)
            case "count":
                return f"jnp.sum(({self.vec(a[0])} & {self.mask(a[1])}).astype(jnp.int32))"
        raise ValueError(f"internal error in porter, please report: no Pallas form for block-program op {v.op}")

    # ----------------------------------------------------------------- memory (GPU flavour)
    def load(self, v: V) -> str:
        _, base, index, m = v.args
        ref, idx = self.index(base, index)
        return f"_ld({ref}, {idx}, {self.mask(m)}, _SHAPE)"

    def store(self, s: S) -> str:
        _, base, index, value, m = s.args
        ref, idx = self.index(base, index)
        return f"_st({ref}, {idx}, {self.ex(value)}, {self.mask(m)}, _SHAPE)"

    def atomic(self, v: V, old: bool = True) -> str:
        op, _, base, index, value, m, cmp = v.args
        ref, idx = self.index(base, index)
        extra = f", cmp={self.ex(cmp)}" if cmp is not None else ""
        extra += "" if old else ", old=False"
        return f"_atomic({op!r}, {ref}, {idx}, {self.ex(value)}, {self.mask(m)}, _SHAPE{extra})"

    def shuffle(self, v: V) -> str:
        kind, value, arg, width = v.args
        w, x = self.ex(width), self.ex(arg)
        src, ok = shuffle_source(kind, x, w)
        return f"_exchange(_xc_{value.dtype}, _off_xc, {self.vec(value)}, {src}, {ok}, _ltid, _valid, _SHAPE)"

    # ------------------------------------------------------------------------------ statements
    def put(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"_{prefix}{self.counter}"

    def body(self, stmts, indent: int) -> None:
        start = len(self.lines)
        for s in stmts:
            self.stmt(s, indent)
        if len(self.lines) == start:
            self.put(indent, "pass")

    def carried(self, stmts, defined: set[str]) -> list[str]:
        return [self.ident(n) for n in assigned(stmts) if n in defined]

    def stmt(self, s: S, indent: int) -> None:
        a = s.args
        self.line = s.line
        at = f"  # {self.source_name}:{s.line}" if s.line else ""
        match s.kind:
            case "let":
                self.defined.add(a[0])
                self.put(indent, f"{self.ident(a[0])} = {self.value(a[1])}{at}")
            case "set":
                name, value, m = a
                text = self.value(value)
                if m is not None:
                    text = f"jnp.where({self.mask(m)}, {text}, {self.ident(name)})"
                self.put(indent, f"{self.ident(name)} = {text}{at}")
            case "store":
                self.put(indent, self.store(s) + at)
            case "eval" if a[0].op == "atomic":
                self.put(indent, f"{self.atomic(a[0], old=False)}{at}")
            case "eval":
                self.put(indent, f"{self.ex(a[0])}{at}")
            case "if":
                self.branch(s, indent, at)
            case "where":
                self.defined.add(a[0])
                self.put(indent, f"{self.ident(a[0])} = {self.ex(a[1])}  # divergent branch{at}")
                self.body(s.body, indent)
            case "loop" | "mloop":
                self.while_(s, indent, at)
            case "barrier":
                self.put(indent, f"_barrier()  # __syncthreads{at}")
            case "return":
                if indent == self.top:
                    self.put(indent, f"return{at}")
                else:  # a uniform early exit inside control flow: every lane leaves
                    self.put(indent, f"_act = jnp.zeros_like(_act)  # return{at}")
            case _:
                raise ValueError(f"internal error in porter, please report: statement {s.kind}")

    def branch(self, s: S, indent: int, at: str) -> None:
        returns = any(x.kind == "return" for x in walk_statements(s.body + s.orelse))
        carry = self.carried(s.body + s.orelse, self.defined) + (["_act"] if returns else [])
        names = ", ".join(carry)
        tup = f"({names},)" if carry else "()"
        fn = self.fresh("if")
        saved = set(self.defined)
        for part, stmts in (("then", s.body), ("else", s.orelse)):
            self.put(indent, f"def {fn}_{part}({names}):")
            self.body(stmts, indent + 1)
            self.put(indent + 1, f"return {tup}")
            self.defined = set(saved)
        call = f"lax.cond({self.ex(s.args[0])}, {fn}_then, {fn}_else{', ' + names if carry else ''})"
        self.put(indent, f"{tup} = {call}{at}" if carry else f"{call}{at}")

    #: run counted masked loops (mloop with trip counts) as fori_loops over the largest trip count
    counted_loops = True

    def while_(self, s: S, indent: int, at: str) -> None:
        returns = any(x.kind == "return" for x in walk_statements(s.body))
        carry = self.carried(s.body, self.defined) + (["_act"] if returns else [])
        if s.kind == "mloop" and self.ident(s.args[0]) not in carry:
            carry.append(self.ident(s.args[0]))
        names = ", ".join(carry)
        tup = f"({names},)" if carry else "()"
        fn = self.fresh("loop")
        saved = set(self.defined)
        if s.kind == "mloop" and len(s.args) > 1 and s.args[1] is not None and self.counted_loops:
            # a counted loop: the largest trip count of the active lanes, once, instead of a
            # block-wide "any lane left?" on every iteration (the lanes' masks stay exact)
            trips = f"_trips{fn[5:]}"
            self.put(indent, f"{trips} = jnp.max(jnp.where({self.ident(s.args[0])}, {self.ex(s.args[1])}, 0)){at}")
            self.put(indent, f"def {fn}_body(_k, _carry):  # masked loop, counted")
            self.put(indent + 1, f"{tup} = _carry" if carry else "del _carry")
            self.body(s.body, indent + 1)
            self.put(indent + 1, f"return {tup}")
            self.defined = saved
            self.put(indent, f"{tup + ' = ' if carry else ''}lax.fori_loop(0, {trips}, {fn}_body, {tup})")
            return
        cond = self.ex(s.args[0]) if s.kind == "loop" else f"jnp.max({self.ident(s.args[0])}.astype(jnp.int32)) > 0"
        kind = "uniform loop" if s.kind == "loop" else "masked loop: runs while any lane is active"
        self.put(indent, f"def {fn}_cond(_carry):  # {kind}{at}")
        self.put(indent + 1, f"{tup} = _carry" if carry else "del _carry")
        self.put(indent + 1, f"return {cond}")
        self.put(indent, f"def {fn}_body(_carry):")
        self.put(indent + 1, f"{tup} = _carry" if carry else "del _carry")
        self.body(s.body, indent + 1)
        self.put(indent + 1, f"return {tup}")
        self.defined = saved
        self.put(indent, f"{tup + ' = ' if carry else ''}lax.while_loop({fn}_cond, {fn}_body, {tup})")

    # ------------------------------------------------------------------------------- kernel
    def refs(self) -> tuple[list[str], list[str]]:
        """(input ref names, output ref names) in pallas_call order."""
        ptrs = [q.name for q in self.p.params if q.kind == "ptr"]
        ins = [f"_in_{self.ident(n)}" if n in self.written else self.refname(n) for n in ptrs]
        outs = [self.refname(n) for n in ptrs if n in self.written]
        outs += [f"_sm_{mangle(sh.name)}" for sh in self.p.shared]
        outs += [f"_xc_{d}" for d in self.p.shuffles]
        return ins, outs

    def kernel_function(self, doc: str, refs: str = "refs") -> None:
        """The nested ``_kernel``: refs, then by-value parameters; the lane prelude; the body."""
        p = self.p
        ins, out_refs = self.refs()
        self.put(1, "")
        scalars = [f"{self.ident(q.name)}={self.ident(q.name)}" for q in p.params if q.kind == "scalar"]
        self.put(1, f"def _kernel({', '.join(ins + out_refs + scalars)}):  # {refs}, then by-value parameters")
        self.put(2, f'"""{doc}"""')
        self.prelude()
        for q in p.params:
            if q.kind == "scalar":
                self.put(2, f"{self.ident(q.name)} = jnp.asarray({self.ident(q.name)}, {JNP[q.dtype]})  # by-value parameter")
        self.defined = {q.name for q in p.params} | {"act"}
        self.top = 2
        self.body(p.body, 2)
        self.put(1, "")

    def lanes(self) -> None:
        """The lane vector's thread and block indices, and the lanes of real threads."""
        self.put(2, "_lane = lax.broadcasted_iota(jnp.int32, _SHAPE, 0)")
        self.put(2, "_tid_x = (_lane % _BX).astype(jnp.uint32)")
        self.put(2, "_tid_y = ((_lane // _BX) % _BY).astype(jnp.uint32)")
        self.put(2, "_tid_z = (_lane // (_BX * _BY)).astype(jnp.uint32)")
        for k, d in enumerate("xyz"):
            self.put(2, f"_bdim_{d}, _gdim_{d} = jnp.uint32(_b{d}), jnp.uint32(_g{d})")
            self.put(2, f"_bid_{d} = pl.program_id({k}).astype(jnp.uint32)")
        self.put(2, "_valid = (_tid_x < _bdim_x) & (_tid_y < _bdim_y) & (_tid_z < _bdim_z)  # padding lanes off")
        self.put(2, "_act = _valid")
        self.put(2, "_ltid = (_tid_x + _tid_y * _bdim_x + _tid_z * _bdim_x * _bdim_y).astype(jnp.int32)")

    def prelude(self) -> None:
        self.lanes()
        self.put(2, "_pid = pl.program_id(0) + pl.program_id(1) * _gx + pl.program_id(2) * _gx * _gy")
        for sh in self.p.shared:
            self.put(2, f"_off_{mangle(sh.name)} = _pid * _size_{mangle(sh.name)}  # __shared__ {sh.name}: this block's slice")
        if self.p.shuffles:
            self.put(2, "_off_xc = _pid * _L  # lane exchange (warp shuffles)")

    def launcher_head(self, sym: str, names: list[str]) -> None:
        """The launcher's signature and argument checks (:mod:`porter.backends.launchers`): after
        them every pointer parameter holds a jax array of its CUDA element type."""
        p = self.p
        self.put(0, f"def {sym}({''.join(n + ', ' for n in names)}{LAUNCH_KEYWORDS}):")
        self.put(1, f'"""CUDA kernel {text(p.kernel)} ({self.source_name}:{p.line}) launched as CUDA would; writes '
                 'numpy buffers in place and returns {parameter index: array} for the arrays it writes."""')
        for line in launcher_checks(p, self.ident, p.kernel, indent=""):
            self.put(1, line)
        self.put(1, "if stream is not None:")
        self.put(2, f"_no_stream({p.kernel!r}, stream)")
        self.put(1, "_back = []")
        for k, q in enumerate(p.params):
            if q.kind != "ptr":
                continue
            name = self.ident(q.name)
            self.put(1, f"if not isinstance({name}, jax.Array) or {name}.dtype != {JNP[q.dtype]}:")
            self.put(2, f"{name} = _array({p.kernel!r}, {k}, {q.name!r}, {cuda_type(q)!r}, {name}, {JNP[q.dtype]}, "
                     f"_back, {q.name in self.written})")

    def launcher_tail(self, result: str) -> None:
        """The launcher's end: results into the numpy buffers given for written parameters."""
        self.put(1, f"_out = {{{result}}}")
        self.put(1, "if _back:")
        self.put(2, "_copy_back(_back, _out)")
        self.put(1, "return _out")

    def kernel(self) -> str:
        p = self.p
        sym = self.sym
        names = [self.ident(q.name) for q in p.params]
        self.launcher_head(sym, names)
        self.put(1, "_BX, _BY, _BZ = _p2(_bx), _p2(_by), _p2(_bz)")
        self.put(1, "_L = _BX * _BY * _BZ  # lanes: the block's threads, padded to powers of two")
        self.put(1, "_SHAPE = (_L,)")
        self.put(1, "_programs = _gx * _gy * _gz")
        ptrs = [q for q in p.params if q.kind == "ptr"]
        self.put(1, f"_arrays = [{', '.join(f'jnp.ravel({self.ident(q.name)})' for q in ptrs)}]")
        outs = []
        for k, q in enumerate(ptrs):
            if q.name in self.written:
                outs.append(f"jax.ShapeDtypeStruct(_arrays[{k}].shape, _arrays[{k}].dtype)")
        for sh in p.shared:
            size = str(sh.size) if sh.size is not None else f"max(1, shared_bytes // {SIZE[sh.dtype]})"
            self.put(1, f"_size_{mangle(sh.name)} = {size}")
            outs.append(f"jax.ShapeDtypeStruct((_programs * _size_{mangle(sh.name)},), {JNP[sh.dtype]})")
        for d in p.shuffles:
            outs.append(f"jax.ShapeDtypeStruct((_programs * _L,), {JNP[d]})")
        self.kernel_function(f"One program per CUDA block ({self.source_name}:{p.line}), one lane per thread.")
        aliases = {k: j for j, k in enumerate(k for k, q in enumerate(ptrs) if q.name in self.written)}
        self.put(1, f"_results = pl.pallas_call(_kernel, grid=(_gx, _gy, _gz), out_shape=[{', '.join(outs)}],")
        self.put(1, f"                          input_output_aliases={aliases!r}, interpret=INTERPRET,")
        self.put(1, "                          compiler_params=_compiler_params())(*_arrays)")
        result = ", ".join(f"{p.params.index(q)}: _results[{j}].reshape(jnp.shape({self.ident(q.name)}))"
                           for j, q in enumerate(q for q in ptrs if q.name in self.written))
        self.launcher_tail(result)
        return "\n".join(self.lines)


PRELUDE = '''"""JAX Pallas ({flavor} flavour) port of {source} made by porter (SIMT-to-tile lowering); do not edit by hand.

{about}
KERNELS maps kernel names to launchers f(*cuda_args, grid=, block=, shared_bytes=0, stream=None)
taking jax or numpy arrays for pointers: each writes the results into the numpy arrays given for
the parameters the kernel writes and returns {{parameter index: array}} for those parameters (the
numpy array itself, or a new jax array: jax arrays are immutable). Set INTERPRET before calling to
run on the CPU (True, or pltpu.InterpretParams(...)). 64-bit types need jax_enable_x64.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.experimental import pallas as pl

FLAVOR = "{flavor}"
INTERPRET = False


def _dim3(value):
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return tuple(int(v) for v in value) + (1,) * (3 - len(value))


def _p2(n):
    return 1 << max(0, int(n) - 1).bit_length()


def _round(x):
    # roundf: half away from zero, from floor (jax 0.11's Pallas-Triton lowering has no `round`);
    # on |x|, where |x| - floor(|x|) is exact
    a = jnp.abs(x)
    r = jnp.floor(a)
    r = jnp.where(a - r >= 0.5, r + 1.0, r)
    return jnp.where(x < 0, -r, r)


def _rint(x):
    # rintf / __float2int_rn: half to even, from floor as _round
    a = jnp.abs(x)
    r = jnp.floor(a)
    d = a - r
    odd = r - 2.0 * jnp.floor(r * 0.5) == 1.0
    r = jnp.where((d > 0.5) | ((d == 0.5) & odd), r + 1.0, r)
    return jnp.where(x < 0, -r, r)
'''

GPU_ABOUT = """Each CUDA kernel is one pl.pallas_call with the Triton lowering chosen explicitly
(pallas.triton.CompilerParams): one program per CUDA block, one lane per CUDA thread (block
dimensions padded to powers of two, padding lanes masked off), whole arrays as refs read and
written with masked gathers/scatters; __shared__ arrays and warp exchanges live in per-block slices
of extra outputs; __syncthreads is pallas.triton.debug_barrier. Under INTERPRET, loads, stores and
atomics are emulated with whole-array jnp updates (the interpreter has no masked atomics)."""

#: the launchers' argument checks and conversions (README "Calling a port"): pointers are jax
#: arrays of the CUDA element type, or numpy arrays (converted; written back for written parameters)
LAUNCH = '''
def _no_stream(kernel, stream):
    raise ValueError(f"{kernel}: a Pallas launch runs where jax runs it; stream= takes only None, got {_what(stream)}")


def _array(kernel, index, name, ctype, value, dtype, back, written):
    """A pointer argument that is not a jax array of dtype: a numpy array of the right element
    type becomes one (and, if written, gets the results after the launch, through back);
    anything else is an error naming the parameter."""
    want = jnp.dtype(dtype).name
    if isinstance(value, jax.Array):
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes {want} elements; got {_what(value)} (convert "
                        f"it with .astype(jnp.{want}); porter converts no element type silently)")
    if not isinstance(getattr(value, "dtype", None), np.dtype) or getattr(value, "flags", None) is None:
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes a jax or numpy array; got {_what(value)}")
    if value.dtype != dtype:
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes {want} elements; got {_what(value)} "
                        "(porter converts no element type silently)")
    if written and not value.flags.writeable:
        raise ValueError(f"{kernel}: parameter {name} ({ctype}) is written by the kernel; the numpy array is "
                         "read-only")
    array = jnp.asarray(value)
    if array.dtype != dtype:
        raise ValueError(f"{kernel}: parameter {name} ({ctype}): jax made {array.dtype} of the {want} array; "
                         "64-bit types need jax.config.update('jax_enable_x64', True)")
    if written:
        back.append((index, value))
    return array


def _copy_back(back, out):
    """Results of the numpy arrays given for written parameters, copied into those arrays."""
    for index, array in back:
        if index in out:  # (a kernel stubbed out by the LLM stage's no-op check returns nothing)
            array[...] = out[index].reshape(array.shape)
            out[index] = array
'''


GPU_HELPERS = '''
from jax.experimental.pallas import triton as plt


def _compiler_params():
    return plt.CompilerParams(num_warps=4)


def _barrier():
    if INTERPRET is False:
        plt.debug_barrier()


def _ld(ref, i, mask, shape):
    i = jnp.asarray(i).astype(jnp.int32)
    if mask is None and i.ndim == 0:
        return ref[i]
    mask = jnp.broadcast_to(True if mask is None else mask, shape)
    i = jnp.broadcast_to(i, shape)
    if INTERPRET is not False:
        return jnp.where(mask, ref[...][jnp.where(mask, i, 0)], jnp.zeros((), ref.dtype))
    # lanes off the mask read nothing, so the index stays as computed: Triton then sees the
    # contiguous runs (program_id * n + iota) and loads them as vectors
    return plt.load(ref.at[i], mask=mask, other=0)


def _st(ref, i, v, mask, shape):
    i, v = jnp.asarray(i).astype(jnp.int32), jnp.asarray(v).astype(ref.dtype)
    mask = jnp.broadcast_to(True if mask is None else mask, shape)
    i, v = jnp.broadcast_to(i, shape), jnp.broadcast_to(v, shape)
    if INTERPRET is not False:
        everything = ref[...]
        ref[...] = everything.at[jnp.where(mask, i, everything.shape[0])].set(v, mode="drop")
        return
    plt.store(ref.at[i], v, mask=mask)  # unclamped index, as in _ld


_COMBINE = {"add": lambda o, v, c: o + v, "max": lambda o, v, c: jnp.maximum(o, v),
            "min": lambda o, v, c: jnp.minimum(o, v), "xchg": lambda o, v, c: v,
            "and": lambda o, v, c: o & v, "or": lambda o, v, c: o | v, "xor": lambda o, v, c: o ^ v,
            "cas": lambda o, v, c: jnp.where(o == c, v, o)}
try:  # private: jax's in-place ref update, lowered by Pallas-Triton to an integer atomic add
    from jax._src.state.primitives import ref_addupdate as _addupdate
except ImportError:
    _addupdate = None
_ATOMIC = {"add": plt.atomic_add, "max": plt.atomic_max, "min": plt.atomic_min, "xchg": plt.atomic_xchg,
           "and": plt.atomic_and, "or": plt.atomic_or, "xor": plt.atomic_xor}


def _atomic(op, ref, i, v, mask, shape, cmp=None, old=True):
    i, v = jnp.asarray(i).astype(jnp.int32), jnp.asarray(v).astype(ref.dtype)
    mask = jnp.broadcast_to(True if mask is None else mask, shape)
    i, v = jnp.where(mask, jnp.broadcast_to(i, shape), 0), jnp.broadcast_to(v, shape)
    c = jnp.broadcast_to(jnp.asarray(0 if cmp is None else cmp).astype(ref.dtype), shape)
    if INTERPRET is False and op == "add" and not old and jnp.issubdtype(ref.dtype, jnp.integer):
        # plt.atomic_add of integer lane vectors lowers to a float add (tt.atomic_rmw fadd);
        # the ref add-update primitive is an integer atomic add. Lanes off the mask add 0.
        if _addupdate is None:
            raise NotImplementedError("this jax has no ref add-update primitive for integer atomicAdd")
        _addupdate(ref, i, jnp.where(mask, v, jnp.zeros((), ref.dtype)))
        return None
    if INTERPRET is False and op != "cas":
        return _ATOMIC[op](ref, i, v, mask=mask)
    if INTERPRET is False:
        return plt.atomic_cas(ref.at[i], c, v)

    def one_lane(k, old):  # lanes in order, one at a time: atomics as the interpreter can run them
        current = ref[i[k]]
        ref[i[k]] = jnp.where(mask[k], _COMBINE[op](current, v[k], c[k]), current)
        return old.at[k].set(current)
    return lax.fori_loop(0, shape[0], one_lane, jnp.zeros(shape, ref.dtype))


def _exchange(buf, offset, value, src, ok, ltid, valid, shape):
    # a warp shuffle: every lane publishes its value, then reads its source lane's (CUDA lane
    # numbering: linear thread index; warps of 32)
    _barrier()
    _st(buf, offset + ltid, value, valid, shape)
    _barrier()
    got = _ld(buf, offset + src, valid & ok, shape)
    _barrier()
    return jnp.where(ok, got, value)
'''


def emit_module(programs: list[BlockProgram], source_name: str, flavor: str = "gpu") -> str:
    from porter.backends.pallas.tpu import (
        BLOCK_ABOUT,
        BLOCK_HELPERS,
        TPU_ABOUT,
        TPU_HELPERS,
        TpuBlockEmitter,
        tpu_emitter,
    )
    prelude = PRELUDE.format(source=text(source_name), flavor=flavor, about="")
    # every helper either flavour may bring: the names do not depend on which ones a module holds
    launch = LAUNCH + "\n" + runtime_source()
    module = frozenset(module_names(prelude, launch, GPU_HELPERS, TPU_HELPERS, BLOCK_HELPERS) | RESERVED)
    symbols = kernel_symbols([p.kernel for p in programs], module)
    if flavor == "gpu":
        emitters = [Emitter(program, source_name, symbols[program.kernel], module) for program in programs]
        about, helpers = GPU_ABOUT, GPU_HELPERS
    else:
        emitters = [tpu_emitter(program, source_name, symbols[program.kernel], module) for program in programs]
        about, helpers = TPU_ABOUT, TPU_HELPERS
        if any(isinstance(e, TpuBlockEmitter) for e in emitters):
            about, helpers = about + "\n\n" + BLOCK_ABOUT, helpers + BLOCK_HELPERS
    parts = [PRELUDE.format(source=text(source_name), flavor=flavor, about=about), launch, helpers]
    for emitter in emitters:
        parts.append("\n" + emitter.kernel())
    kernels = ", ".join(f"{p.kernel!r}: {symbols[p.kernel]}" for p in programs)
    parts.append(f"\nKERNELS = {{{kernels}}}\n")
    return "\n".join(parts)
