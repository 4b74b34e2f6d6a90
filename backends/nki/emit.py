"""Block program -> an NKI module: one ``@nki.jit`` kernel and one launcher per CUDA kernel.

Walk: the kernel loops over the CUDA grid (``nl.static_range``: unrolled while tracing, so block
indices are Python ints) and calls the block body. Every value of the block program gets one of
three *kinds* (see :mod:`.prelude`), decided once per kernel by a fixed point over its variables:

* ``U`` uniform: a trace-time Python number (scalars, block indices and what follows from them);
* ``S`` lane-static: a trace-time numpy array over the lanes (thread indices, memory indices,
  bounds masks): integers and booleans that depend on no data;
* ``D`` data: an SBUF tile (floats always; integers and masks computed from loaded data).

Loads and stores need a lane-static index and become one ``dma_copy`` per run of lanes whose
index steps evenly; a store under a data-dependent mask reads, selects
(``nisa.tensor_copy_predicated``) and writes back. ``__shared__`` arrays are block-local SBUF
tiles ``(1, N)`` addressed the same way; ``__syncthreads`` needs nothing, since a block's lanes
run in step and phases run in program order. Raised reductions are ``tensor_reduce`` along the
free axis after a DMA re-layout; warp shuffles with uniform offsets are lane-static gathers.

Integers in tiles: NKI's arithmetic operators convert their inputs to float32 (exact only within
+-2**24) and NKI does not document how float32 results become integers, so integer ``+ - *``,
negation, ``max``/``min`` on data are ``tensor_tensor`` on int32/uint32 tiles with
``engine=nisa.engine.gpsimd`` (documented native integer arithmetic, exact for all 32-bit values),
bitwise operators use bitvec operators (exact bit patterns), integer casts combine those with
copies of values below 2**16 (see ``int_cast``), and what has neither
form is refused with P0708: comparisons of 32-bit integers computed from data (unless both sides
are provably within 2**24), other integer widths, float-to-int conversions of data, division.
Integer arithmetic on trace-time values (uniform and lane-static) is plain Python/numpy.

Constructs with no NKI form raise :class:`Unsupported` (the diagnostic id and the CUDA line);
the backend turns it into a diagnostic and leaves the kernel out of the module.
"""

from __future__ import annotations

import math

from porter.backends.names import Names, kernel_symbols, module_names, text
from porter.backends.launchers import ELEMENT, LAUNCH_KEYWORDS, cuda_type, launcher_checks, runtime_source
from porter.backends.nki.prelude import LAUNCH, PRELUDE
from porter.backends.nki.tables import (ACTIVATION, ALU, BITS, BITVEC, COMPARE, FLOATS, INTS, MATH_ALU, NL,
                                        REDUCE, STATIC_BIN, STATIC_CMP, STATIC_MATH, UNIFORM_MATH)

from porter.passes.tile.program import BlockProgram, S, V

RESERVED = {"np", "nki", "nl", "nisa", "KERNELS", "range", "min", "max", "abs", "int", "float", "grid",
            "block", "smem", "shared_bytes", "stream"}
#: the module-level names each kernel's symbol stands for (:func:`porter.backends.names.kernel_symbols`)
SYMBOL_FORMS = ("{}", "{}_kernel")
#: the names the prelude binds (kernel symbols and parameters shadow none of them)
MODULE = frozenset(module_names(PRELUDE.format(source=""), LAUNCH, runtime_source()) | RESERVED)
U, ST, D = 0, 1, 2  # value kinds: uniform, lane-static, data tile
_DATA_OPS = ("load", "reduce", "count", "atomic", "shfl", "any", "bitcast")


class Unsupported(Exception):
    def __init__(self, diag_id: str, message: str, line: int = 0):
        super().__init__(message)
        self.diag_id, self.message, self.line = diag_id, message, line


def symbols(kernels: list[str]) -> dict[str, str]:
    """CUDA kernel name -> its launcher's name in the module (the jit kernel is ``<name>_kernel``)."""
    return kernel_symbols(kernels, MODULE, SYMBOL_FORMS)


def _children(v: V):
    return [a for a in v.args if isinstance(a, V)]


def _small(v) -> bool:
    """Integer values float32 represents exactly (compares go through float32)."""
    if not isinstance(v, V):
        return True
    if v.dtype in ("i8", "u8", "i16", "u16", "bool"):
        return True
    if v.op == "const":
        return abs(int(v.args[0])) < 2 ** 24
    return v.op in ("cast", "splat") and _small(v.args[0])


def _mvar(name: str | None) -> V:
    return V("var", "bool", True, (name or "act",))


class _Emitter:
    def __init__(self, program: BlockProgram, source_name: str, sym: str | None = None):
        self.p = program
        # Python names (:mod:`porter.backends.names`): the kernel's symbol, then its parameters
        # (with their outputs ``x_out``) claimed in order; ``act`` is the block program's own mask
        self.sym = sym or symbols([program.kernel])[program.kernel]
        self.names = Names(MODULE | {f"{form.format(self.sym)}" for form in SYMBOL_FORMS}, {"act": "act"})
        for q in program.params:
            self.names.claim(q.name, ("{}_out",))
        for sh in program.shared:
            self.names.claim(sh.name)
        self.source_name = text(source_name)
        self.lines: list[str] = []
        self.temps = 0
        self.line = program.line
        self.indent = 2
        self.shared = {sh.name: sh for sh in program.shared}
        self.written: list[int] = []
        self.kinds: dict[str, int] = {"act": ST}
        self.pointers: dict[str, str] = {}  # pointer variable -> the array it points into
        self.supersets: dict[str, str] = {}  # data mask variable -> lane-static superset expression
        self.uses_ltid = False

    def ident(self, name: str) -> str:
        """The Python name of a block-program name in this kernel."""
        return self.names(name)

    # ------------------------------------------------------------------------- refusals
    def refuse(self, diag_id: str, message: str):
        raise Unsupported(diag_id, message, self.line)

    def check_program(self) -> None:
        for sh in self.p.shared:
            if sh.dtype not in NL or sh.dtype == "bool":
                self.refuse("P0710", f"__shared__ array {sh.name} of {sh.dtype} (SBUF tiles hold at most "
                            "32-bit types)")

    # ------------------------------------------------------------------------- analysis
    def scan(self, body, out: list) -> None:
        """Collect assignments (name, value, mask) and the pointer parameters that are written."""
        for s in body:
            self.line = s.line or self.line
            if s.kind in ("let", "set"):
                name, value = s.args[0], s.args[1]
                mask = s.args[2] if s.kind == "set" else None
                if value.dtype.startswith("*"):
                    array, offset = self.pointer(value)
                    if self.pointers.setdefault(name, array) != array:
                        self.refuse("P0704", f"pointer {name} set to point into different arrays")
                    value = offset if offset is not None else V("const", "i64", False, (0,))
                    self.pointers[name] = array
                out.append((name, value, mask))
            elif s.kind == "where":
                out.append((s.args[0], s.args[1], None))
            elif s.kind == "store":
                array, _ = self.pointer(s.args[1])
                index = next((i for i, q in enumerate(self.p.params) if q.kind == "ptr" and self.ident(q.name) == array),
                             None)
                if index is not None and index not in self.written:
                    self.written.append(index)
            self.scan(s.body, out)
            self.scan(s.orelse, out)

    def analyse(self) -> None:
        """Fixed point of the variables' kinds (they only grow: U < ST < D)."""
        assignments: list = []
        self.scan(self.p.body, assignments)
        changed = True
        while changed:
            changed = False
            for name, value, mask in assignments:
                k = self.kind(value)
                if value.vec or mask is not None:
                    k = max(k, ST)
                if mask is not None:
                    k = max(k, self.kind(_mvar(mask)))
                if k == ST and value.dtype in FLOATS:
                    k = D
                if k > self.kinds.get(name, U):
                    self.kinds[name] = k
                    changed = True

    def kind(self, v) -> int:
        if not isinstance(v, V):
            return U
        op = v.op
        if op in _DATA_OPS:
            return D
        if op in ("const", "param", "bid", "bdim", "gdim"):
            return U
        if op in ("tid", "ltid"):
            return ST
        if op == "var":
            name = v.args[0]
            if name in self.shared:
                return U
            return self.kinds.get(name, U)
        k = max((self.kind(a) for a in _children(v)), default=U)
        if op == "splat" or k == D:
            return k
        if v.dtype in FLOATS:
            return D if k == ST else U
        if op == "math" and k == ST and v.args[0] not in STATIC_MATH:
            return D
        return k

    def pointer(self, v: V) -> tuple[str, V | None]:
        """(array, offset) of a pointer value: a parameter or shared array plus an element offset."""
        if v.op == "param":
            return self.ident(v.args[0]), None
        if v.op == "var" and v.args[0] in self.shared:
            return self.ident(v.args[0]), None
        if v.op == "var" and v.args[0] in self.pointers:
            return self.pointers[v.args[0]], V("var", "i64", v.vec, (v.args[0],))
        if v.op == "cast" and v.args[0].dtype.startswith("*"):
            return self.pointer(v.args[0])
        if v.op == "bin" and v.args[0] in ("+", "-") and v.args[1].dtype.startswith("*"):
            array, offset = self.pointer(v.args[1])
            step = v.args[2]
            if v.args[0] == "-":
                step = V("un", "i64", step.vec, ("-", step))
            return array, step if offset is None else V("bin", "i64", offset.vec or step.vec, ("+", offset, step))
        self.refuse("P0704", "memory reached through a pointer the NKI backend cannot follow")

    # ------------------------------------------------------------------------- uniform values
    def uex(self, v) -> str:
        """A block-uniform value as a trace-time Python expression (C semantics)."""
        if not isinstance(v, V):
            return repr(v)
        a = v.args
        if self.kind(v) == ST:
            raise ValueError("internal error in porter, please report: lane-static value in a uniform context")
        if self.kind(v) == D:
            self.refuse("P0712", "a value loaded from memory used where NKI needs a trace-time value "
                        "(a branch, a loop bound or an address)")
        match v.op:
            case "const":
                return self.const(v)
            case "var" | "param":
                return self.ident(a[0])
            case "bid" | "bdim" | "gdim":
                return f"_{v.op}_{a[0]}"
            case "splat":
                return self.uex(a[0])
            case "bin":
                return self.ubin(v)
            case "un":
                x = self.uex(a[1])
                if a[0] == "!":
                    return f"(not {x})"
                return self.wrap(f"({a[0]}{x})", v.dtype)
            case "cast":
                if v.dtype.startswith("*"):
                    return self.uex(a[0])
                return self.ucast(self.uex(a[0]), v.dtype)
            case "select":
                return f"({self.uex(a[1])} if {self.uex(a[0])} else {self.uex(a[2])})"
            case "math":
                op = a[0]
                if op == "rint_int":
                    return self.wrap(f"int(np.rint({self.uex(a[1])}))", v.dtype)
                if op not in UNIFORM_MATH:
                    self.refuse("P0708", f"math function {op} on a uniform value")
                value = UNIFORM_MATH[op].format(*(self.uex(x) for x in a[1:]))
                return self.ucast(value, v.dtype)
        self.refuse("P0708", f"block-program op {v.op} on a uniform value")

    def const(self, v: V) -> str:
        value = v.args[0]
        if v.dtype == "bool":
            return repr(bool(value))
        if v.dtype in FLOATS:
            if isinstance(value, float) and not math.isfinite(value):
                return f"np.float32({str(value)!r})"
            return f"np.float32({float(value)!r})"
        return repr(int(value))

    def wrap(self, text: str, dtype: str) -> str:
        if dtype in BITS:
            bits, signed = BITS[dtype]
            return f"_wrap({text}, {bits}, {signed})"
        if dtype in FLOATS:
            return f"np.float32({text})" if dtype != "f16" else f"np.float16({text})"
        return text

    def ucast(self, text: str, dtype: str) -> str:
        if dtype == "bool":
            return f"bool({text})"
        if dtype in BITS:
            bits, signed = BITS[dtype]
            return f"_int({text}, {bits}, {signed})"
        return f"np.float16({text})" if dtype == "f16" else f"np.float32({text})"

    def ubin(self, v: V) -> str:
        op, x, y = v.args
        a, b = self.uex(x), self.uex(y)
        if op in ("&&", "||"):
            return f"({a} {'and' if op == '&&' else 'or'} {b})"
        if op in COMPARE:
            return f"({a} {op} {b})"
        if v.dtype in BITS or v.dtype.startswith("*"):
            if op == "/":
                return self.wrap(f"_idiv({a}, {b})", v.dtype)
            if op == "%":
                return self.wrap(f"_imod({a}, {b})", v.dtype)
        return self.wrap(f"({a} {op} {b})", v.dtype)

    # ------------------------------------------------------------------------- lane-static values
    def sex(self, v) -> str:
        """A uniform or lane-static value as a trace-time expression (numpy over the lanes)."""
        k = self.kind(v)
        if k == U:
            return self.uex(v)
        if k == D:
            raise ValueError("internal error in porter, please report: data value in a lane-static context")
        a = v.args
        match v.op:
            case "var":
                return self.ident(a[0])
            case "tid":
                return f"_tid_{a[0]}"
            case "ltid":
                self.uses_ltid = True
                return "_ltid"
            case "splat":
                return self.sex(a[0])
            case "bin" if a[0] in STATIC_CMP:
                return f"{STATIC_CMP[a[0]]}({self.sex(a[1])}, {self.sex(a[2])})"
            case "bin":
                return self.swrap(f"{STATIC_BIN[a[0]]}({self.sex(a[1])}, {self.sex(a[2])})", v.dtype)
            case "un" if a[0] == "!":
                return f"np.logical_not({self.sex(a[1])})"
            case "un":
                fn = {"-": "np.negative", "~": "np.invert", "+": "np.positive"}[a[0]]
                return self.swrap(f"{fn}({self.sex(a[1])})", v.dtype)
            case "cast" if v.dtype == "bool":
                return f"np.not_equal({self.sex(a[0])}, 0)"
            case "cast":
                return self.swrap(self.sex(a[0]), v.dtype)
            case "select":
                return f"np.where({self.sex(a[0])}, {self.sex(a[1])}, {self.sex(a[2])})"
            case "math" if a[0] in STATIC_MATH:
                return self.swrap(STATIC_MATH[a[0]].format(*(self.sex(x) for x in a[1:] if x is not None)),
                                  v.dtype)
        self.refuse("P0708", f"block-program op {v.op} on thread-index values")

    @staticmethod
    def swrap(text: str, dtype: str) -> str:
        bits, signed = BITS.get(dtype, (64, True))
        return f"_sw({text}, {bits}, {signed})"

    # ------------------------------------------------------------------------- tiles
    def put(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    def temp(self, dtype: str) -> str:
        self.temps += 1
        name = f"_t{self.temps}"
        self.put(f"{name} = nl.ndarray(_S, {NL[dtype]}, buffer=nl.sbuf)")
        return name

    def tile_dtype(self, dtype: str) -> str:
        if dtype not in NL:
            self.refuse("P0708", f"{dtype} lane values (NKI tiles hold at most 32-bit types)")
        return dtype

    def vex(self, v) -> str:
        """Any value as an SBUF tile name (uniform and lane-static values are materialized)."""
        if not isinstance(v, V):
            raise ValueError(f"internal error in porter, please report: {v!r} is not a value")
        k = self.kind(v)
        if k == U:
            dtype = self.tile_dtype(v.dtype)
            value = f"int({self.uex(v)})" if dtype == "bool" else self.uex(v)
            return f"_splat({value}, _S, {NL[dtype]})"
        if k == ST:
            if v.dtype == "bool":
                return f"_mtile({self.sex(v)}, _S)"
            return f"_itile({self.sex(v)}, _S, {NL[self.tile_dtype(v.dtype)]})"
        a = v.args
        match v.op:
            case "var":
                return self.ident(a[0])
            case "splat":
                return self.vex(a[0])
            case "bin":
                return self.vbin(v)
            case "un":
                return self.vun(v)
            case "cast":
                return self.vcast(v)
            case "select":
                return self.vselect(v)
            case "math":
                return self.vmath(v)
            case "load":
                return self.vload(v)
            case "reduce":
                return self.vreduce(v)
            case "count":
                return self.vcount(v)
            case "shfl":
                return self.vshfl(v)
            case "atomic":
                self.refuse("P0703", f"atomic {a[0]} on {a[1]} memory")
        self.refuse("P0708", f"block-program op {v.op} on lane values")

    def number_or_tile(self, v: V) -> str:
        """A trace-time number for a uniform operand, else a tile."""
        return self.uex(v) if self.kind(v) == U and v.dtype != "bool" else self.vex(v)

    def vbin(self, v: V) -> str:
        op, x, y = v.args
        if op in ("&&", "||"):
            alu = "nl.bitwise_and" if op == "&&" else "nl.bitwise_or"
            return f"_logic({alu}, {self.vex(x)}, {self.vex(y)}, _S)"
        if op in COMPARE:
            zero_test = op in ("==", "!=") and any(isinstance(o, V) and o.op == "const" and o.args[0] == 0
                                                  for o in (x, y))
            if x.dtype in INTS and not zero_test and not (_small(x) and _small(y)):
                self.refuse("P0708", f"comparison ({op}) of {x.dtype} lane values computed from data "
                            "(NKI compares in float32, inexact past 2**24)")
            if "i64" in (x.dtype, y.dtype) or "u64" in (x.dtype, y.dtype):
                self.refuse("P0708", "comparison of 64-bit integer lane values")
            return f"_cmp({COMPARE[op]}, {self.number_or_tile(x)}, {self.number_or_tile(y)}, _S)"
        dtype = self.tile_dtype(v.dtype)
        integer = dtype in INTS
        if integer and op in ("/", "%"):
            what = "integer division" if op == "/" else "remainder"
            self.refuse("P0708", f"{what} ({op}) of {dtype} lane values computed from data")
        if op in BITVEC:
            if not integer:
                self.refuse("P0708", f"bitwise {op} on {dtype}")
            if op == ">>" and BITS[dtype][1]:
                self.refuse("P0708", f"arithmetic shift right (>>) of signed {dtype} lane values "
                            "(NKI shifts right logically)")
            return self.bitvec(BITVEC[op], x, y, dtype)
        if op not in ALU:
            self.refuse("P0708", f"operator {op} on {dtype} lane values")
        if integer:
            return self.native(ALU[op], x, y, dtype, f"arithmetic ({op})")
        return self.arith(ALU[op], x, y, dtype, reversible=op in ("-", "/"))

    def native(self, alu: str, x, y, dtype: str, what: str) -> str:
        """Integer ``x alu y`` that is exact for every 32-bit value: tensor_tensor with all three
        tiles int32/uint32 on GpSimd Engine, which NKI documents as native integer arithmetic.
        Anything else (other widths, or on Vector Engine) converts to float32, inexact past 2**24."""
        operands = [o.dtype if isinstance(o, V) else dtype for o in (x, y)]
        if dtype not in ("i32", "u32") or any(t not in ("i32", "u32") for t in operands):
            self.refuse("P0708", f"{what} of {'/'.join(sorted({dtype, *operands}))} lane values computed "
                        "from data (NKI computes it in float32, inexact past 2**24; exact only on int32/uint32 "
                        "tiles)")
        a = self.vex(x) if isinstance(x, V) else x
        b = self.vex(y)
        out = self.temp(dtype)
        self.put(f"nisa.tensor_tensor(dst={out}, data1={a}, data2={b}, op={alu}, engine=nisa.engine.gpsimd)")
        return out

    def arith(self, alu: str, x: V, y: V, dtype: str, reversible: bool) -> str:
        """Float ``x alu y``: tensor_tensor on two tiles, tensor_scalar with a uniform operand."""
        if self.kind(x) != U and self.kind(y) != U:
            a, b = self.vex(x), self.vex(y)
            out = self.temp(dtype)
            self.put(f"nisa.tensor_tensor(dst={out}, data1={a}, data2={b}, op={alu})")
            return out
        data, scalar, reverse = (self.vex(x), self.uex(y), False) if self.kind(x) != U else \
            (self.vex(y), self.uex(x), True)
        out = self.temp(dtype)
        rev = ", reverse0=True" if reverse and reversible else ""
        self.put(f"nisa.tensor_scalar(dst={out}, data={data}, op0={alu}, operand0={scalar}{rev})")
        return out

    def bitvec(self, alu: str, x: V, y: V, dtype: str) -> str:
        if self.kind(y) == U:
            data = self.vex(x)
            out = self.temp(dtype)
            self.put(f"nisa.tensor_scalar(dst={out}, data={data}, op0={alu}, operand0=int({self.uex(y)}))")
        elif self.kind(x) == U and alu not in ("nl.left_shift", "nl.right_shift"):
            data = self.vex(y)
            out = self.temp(dtype)
            self.put(f"nisa.tensor_scalar(dst={out}, data={data}, op0={alu}, operand0=int({self.uex(x)}))")
        else:
            a, b = self.vex(x), self.vex(y)
            out = self.temp(dtype)
            self.put(f"nisa.tensor_tensor(dst={out}, data1={a}, data2={b}, op={alu})")
        return out

    def vun(self, v: V) -> str:
        op, x = v.args
        if op == "!":
            return f"_not({self.vex(x)}, _S)"
        dtype = self.tile_dtype(v.dtype)
        if op == "~" and dtype in INTS:
            a = self.vex(x)
            out = self.temp(dtype)
            self.put(f"nisa.tensor_scalar(dst={out}, data={a}, op0=nl.bitwise_xor, operand0=-1)")
            return out
        if op == "-" and dtype in INTS:
            return self.native("nl.subtract", f"_splat(0, _S, {NL[dtype]})", x, dtype, "negation (-)")
        if op == "-" and dtype in FLOATS:
            a = self.vex(x)
            out = self.temp(dtype)
            self.put(f"nisa.tensor_scalar(dst={out}, data={a}, op0=nl.multiply, operand0=-1.0)")
            return out
        if op == "+":
            return self.vex(x)
        self.refuse("P0708", f"unary {op} on {dtype} lane values")

    def vcast(self, v: V) -> str:
        x = v.args[0]
        target, source = v.dtype, x.dtype
        if target == "bool":
            return self.vex(V("bin", "bool", True, ("!=", x, V("const", source, False, (0,)))))
        if target in ("i64", "u64", "f64") or source in ("i64", "u64", "f64"):
            self.refuse("P0708", f"conversion {source} -> {target} of lane values (64-bit types)")
        if source in FLOATS and target in INTS:
            self.refuse("P0708", f"truncating conversion {source} -> {target} of lane values (NKI does not "
                        "document how float32 values are converted to integers)")
        if source in INTS and target in INTS:
            return self.int_cast(self.vex(x), source, target)
        a = self.vex(x)
        out = self.temp(target)
        self.put(f"nisa.tensor_copy(dst={out}, src={a})")
        return out

    def int_cast(self, a: str, source: str, target: str) -> str:
        """C's integer conversion of a tile, exactly. Same width: the bit pattern (a bitvec operator,
        no data type casting). Wider: a value copy (8/16-bit values are exact in float32), then the
        bit pattern for signed -> unsigned. Narrower: the low bits by bitvec operators on the source
        tile, their sign by a float32 subtraction of small integers (exact), then a value copy."""
        (sbits, ssigned), (tbits, tsigned) = BITS[source], BITS[target]
        if sbits == tbits:
            out = self.temp(target)
            self.put(f"nisa.tensor_scalar(dst={out}, data={a}, op0=nl.bitwise_or, operand0=0)")
            return out
        if tbits > sbits:
            step = target if ssigned == tsigned or not ssigned else {16: "i16", 32: "i32"}[tbits]
            out = self.temp(step)
            self.put(f"nisa.tensor_copy(dst={out}, src={a})  # {source} -> {step}: small integers, exact")
            return out if step == target else self.int_cast(out, step, target)
        low = self.temp(source)
        flip = f", op1=nl.bitwise_xor, operand1={1 << (tbits - 1)}" if tsigned else ""
        self.put(f"nisa.tensor_scalar(dst={low}, data={a}, op0=nl.bitwise_and, operand0={(1 << tbits) - 1}{flip})")
        out = self.temp(target)
        if tsigned:
            self.put(f"nisa.tensor_scalar(dst={out}, data={low}, op0=nl.subtract, operand0={1 << (tbits - 1)})")
        else:
            self.put(f"nisa.tensor_copy(dst={out}, src={low})")
        return out

    def vselect(self, v: V) -> str:
        c, x, y = v.args
        dtype = self.tile_dtype(v.dtype)
        if self.kind(c) == U:
            return f"({self.vex(x)} if {self.uex(c)} else {self.vex(y)})"
        if self.kind(x) == U and dtype != "bool":
            src = f"{'float' if dtype in FLOATS else 'int'}({self.uex(x)})"
        else:
            src = self.vex(x)
        return f"_select({self.vex(c)}, {src}, {self.vex(y)}, _S, {NL[dtype]})"

    def vmath(self, v: V) -> str:
        op, args = v.args[0], [x for x in v.args[1:] if x is not None]
        dtype = self.tile_dtype(v.dtype)
        if op == "rint_int":
            self.refuse("P0708", f"conversion to {dtype} rounding to nearest (__float2int_rn and friends) of lane "
                        "values: NKI does not document how float32 values are converted to integers")
        if dtype in INTS:
            if op not in ("max", "min"):
                self.refuse("P0708", f"math function {op} on {dtype} lane values")
            return self.native(MATH_ALU[op], args[0], args[1], dtype, f"{op}")
        if op in ACTIVATION:
            function, scale = ACTIVATION[op]
            a = self.vex(args[0])
            out = self.temp(dtype)
            extra = f", scale={scale!r}" if scale != 1.0 else ""
            self.put(f"nisa.activation(dst={out}, op={function}, data={a}{extra})")
            return out
        if op == "log2":
            return self.vex(V("bin", v.dtype, True, ("*", V("math", v.dtype, True, ("log", args[0])),
                                                      V("const", "f32", False, (1.4426950408889634,)))))
        if op == "fma":
            product = V("bin", v.dtype, True, ("*", args[0], args[1]))
            return self.vex(V("bin", v.dtype, True, ("+", product, args[2])))
        if op == "saturate":
            a = self.vex(args[0])
            out = self.temp(dtype)
            self.put(f"nisa.tensor_scalar(dst={out}, data={a}, op0=nl.maximum, operand0=0.0, "
                     "op1=nl.minimum, operand1=1.0)")
            return out
        if op in MATH_ALU and len(args) == 2:
            return self.arith(MATH_ALU[op], args[0], args[1], dtype, reversible=op in ("pow", "div"))
        self.refuse("P0708", f"math function {op} on lane values")

    def address(self, base: V, index: V, what: str) -> tuple[str, str]:
        """(array, lane-static index expression) of a memory access."""
        array, offset = self.pointer(base)
        if offset is not None:
            index = V("bin", "i64", offset.vec or index.vec, ("+", offset, index))
        if self.kind(index) == D:
            self.refuse("P0711", f"{what} {array}[...] at an index computed from loaded data (a gather or "
                        "scatter; porter's NKI backend needs indices known from thread and block indices)")
        return array, self.sex(index)

    def vload(self, v: V) -> str:
        space, base, index, mask = v.args
        array, at = self.address(base, index, "load from")
        dtype = self.tile_dtype(v.dtype)
        active = self.sex(mask) if mask is not None and self.kind(mask) != D else "None"
        out = self.temp(dtype)
        self.put(f"_gather({out}, {array}, {at}, {active}, _S, {NL[dtype]})")
        return out

    def vreduce(self, v: V) -> str:
        op, value, mask, group = v.args
        if op not in REDUCE or v.dtype != "f32":
            self.refuse("P0708", f"reduction {op} of {v.dtype} lane values (porter's NKI reductions are float32)")
        data, lanes = self.vex(value), self.vex(mask)
        self.temps += 1
        name = f"_t{self.temps}"
        per = "the block" if group is None else f"each run of {group} lanes (a warp)"
        self.put(f"{name} = _reduce({op!r}, {data}, {lanes}, _S, {group!r})  # {op} over {per}")
        return name

    def vcount(self, v: V) -> str:
        pred, mask = v.args
        p = self.vex(pred)
        ones = self.temp("f32")
        self.put(f"nisa.tensor_copy(dst={ones}, src={p})")
        self.temps += 1
        total = f"_t{self.temps}"
        m = self.vex(mask)
        self.put(f"{total} = _reduce('add', {ones}, {m}, _S, None)  # __syncthreads_count")
        out = self.temp("i32")
        self.put(f"nisa.tensor_copy(dst={out}, src={total})")
        return out

    def vshfl(self, v: V) -> str:
        kind, value, arg, width = v.args
        if self.kind(arg) != U or self.kind(width) != U:
            self.refuse("P0713", f"warp shuffle ({kind}) from a lane chosen by data")
        dtype = self.tile_dtype(value.dtype)
        x, w = self.uex(arg), self.uex(width)
        self.uses_ltid = True
        source, ok = {
            "idx": (f"(_ltid // {w}) * {w} + _smod({x}, {w})", "True"),
            "xor": (f"np.bitwise_xor(_ltid, {x})", f"np.bitwise_xor(_ltid, {x}) // {w} == _ltid // {w}"),
            "down": (f"_ltid + {x}", f"_ltid % {w} + {x} < {w}"),
            "up": (f"_ltid - {x}", f"_ltid % {w} >= {x}"),
        }[kind]
        data = self.vex(value)
        self.temps += 1
        name = f"_t{self.temps}"
        self.put(f"{name} = _shuffle({data}, {source}, {ok}, _ltid, block, _S, {NL[dtype]})  # __shfl_{kind}_sync")
        return name

    # ------------------------------------------------------------------------- masks
    def superset(self, v) -> str | None:
        """A lane-static superset of a mask's lanes (None: all lanes)."""
        if not isinstance(v, V):
            return None
        k = self.kind(v)
        if k != D:
            return self.sex(v)
        if v.op == "var":
            return self.supersets.get(v.args[0])
        if v.op == "bin" and v.args[0] == "&&":
            parts = [p for p in (self.superset(v.args[1]), self.superset(v.args[2])) if p is not None]
            if len(parts) == 2:
                return f"np.logical_and({parts[0]}, {parts[1]})"
            return parts[0] if parts else None
        return None

    def note_superset(self, name: str, value: V) -> None:
        if self.kinds.get(name) == D and value.dtype == "bool":
            sup = self.superset(value)
            if sup is not None:
                self.put(f"_s_{self.ident(name)} = {sup}  # lanes {name} may hold")
                self.supersets[name] = f"_s_{self.ident(name)}"
            else:
                self.supersets.pop(name, None)

    # ------------------------------------------------------------------------- statements
    def body(self, stmts) -> None:
        start = len(self.lines)
        for s in stmts:
            self.stmt(s)
        # a block of comments alone (a __syncthreads) is no Python block
        if all(line.lstrip().startswith("#") for line in self.lines[start:]):
            self.put("pass")

    def stmt(self, s: S) -> None:
        a = s.args
        self.line = s.line or self.line
        at = f"  # line {s.line}" if s.line else ""
        match s.kind:
            case "let" | "set":
                self.assign(a[0], a[1], a[2] if s.kind == "set" else None, at)
            case "store":
                self.store(*a, at)
            case "eval":
                if self.kind(a[0]) == D:
                    self.vex(a[0])
            case "if":
                self.put(f"if {self.uex(a[0])}:{at}")
                self.nested(s.body)
                if s.orelse:
                    self.put("else:")
                    self.nested(s.orelse)
            case "where":
                name, cond = a
                value = self.sex(cond) if self.kinds.get(name, U) != D else self.vex(cond)
                self.put(f"{self.ident(name)} = {value}{at}")
                self.note_superset(name, cond)
                self.body(s.body)
            case "loop":
                if self.kind(a[0]) == D:
                    self.refuse("P0705", "loop whose condition depends on loaded data")
                self.put(f"while {self.uex(a[0])}:{at}")
                self.nested(s.body)
            case "mloop":
                if self.kinds.get(a[0], U) == D:
                    self.refuse("P0705", "loop whose trip count differs between threads and depends on loaded data")
                self.put(f"while np.any({self.ident(a[0])}):  # while any lane still loops{at}")
                self.nested(s.body)
            case "barrier":
                self.put(f"# __syncthreads(): the block's lanes run in step, phases in program order{at}")
            case "return":
                self.put(f"return{at}")
            case _:
                raise ValueError(f"internal error in porter, please report: statement {s.kind}")

    def assign(self, name: str, value: V, mask: str | None, at: str) -> None:
        target = self.ident(name)
        if value.dtype.startswith("*"):
            _, offset = self.pointer(value)
            value = offset if offset is not None else V("const", "i64", False, (0,))
        k = self.kinds.get(name, U)
        if k == U:
            if mask is not None:
                self.refuse("P0708", f"uniform variable {name} set under a lane mask")
            self.put(f"{target} = {self.uex(value)}{at}")
        elif k == ST:
            new = self.sex(value)
            if mask is not None:
                new = f"np.where({self.sex(_mvar(mask))}, {new}, {target})"
            self.put(f"{target} = {new}{at}")
        else:
            dtype = self.tile_dtype(value.dtype)
            new = self.vex(value)
            if mask is not None:
                new = f"_select({self.vex(_mvar(mask))}, {new}, {target}, _S, {NL[dtype]})"
            self.put(f"{target} = {new}{at}")
            if mask is None:
                self.note_superset(name, value)
            else:
                self.supersets.pop(name, None)

    def store(self, space, base, index, value, mask, at: str) -> None:
        array, where = self.address(base, index, "store to")
        dtype = self.tile_dtype(value.dtype)
        tile = self.vex(value)
        m = _mvar(mask)
        if self.kind(m) != D:
            self.put(f"_scatter({array}, {tile}, {where}, {self.sex(m)}, _S){at}")
            return
        candidates = self.superset(m) or "True"
        self.put(f"_store_where({array}, {tile}, {where}, {candidates}, {self.vex(m)}, _S, {NL[dtype]}){at}")

    def nested(self, stmts) -> None:
        self.indent += 1
        self.body(stmts)
        self.indent -= 1

    # ------------------------------------------------------------------------- kernel
    def kernel(self) -> str:
        p = self.p
        self.check_program()
        self.analyse()
        sym = self.sym
        names = [self.ident(q.name) for q in p.params]
        self.body(p.body)
        block_body = self.lines
        out = ["@nki.jit",
               f"def {sym}_kernel({', '.join(names + ['grid', 'block', 'smem'])}):",
               f'    """CUDA kernel {text(p.kernel)} ({self.source_name}:{p.line}): the grid block by block, '
               'a block\'s threads as one SBUF tile."""',
               "    (_gdim_x, _gdim_y, _gdim_z), (_bdim_x, _bdim_y, _bdim_z) = grid, block",
               "    _tid_x, _tid_y, _tid_z, _act0, _S = _lanes(block)  # thread indices of the lanes; tile (P, F)"]
        if self.uses_ltid:
            out.append("    _ltid = _tid_x + _bdim_x * (_tid_y + _bdim_y * _tid_z)  # linear thread index")
        for q in p.params:
            if q.kind == "scalar":
                conv = self.ucast(self.ident(q.name), "i32" if q.dtype == "bool" else q.dtype)
                out.append(f"    {self.ident(q.name)} = {conv}")
        outputs = []
        for i in self.written:
            q = p.params[i]
            name = self.ident(q.name)
            out.append(f"    {name}_out = nl.ndarray({name}.shape, {name}.dtype, buffer=nl.shared_hbm)")
            out.append(f"    nisa.dma_copy(dst={name}_out, src={name})  # {q.name} is written: HBM output")
            out.append(f"    {name} = {name}_out")
            outputs.append(f"{name}_out")
        out.append("")
        out.append(f"    def _one_block({', '.join(['_bid_x', '_bid_y', '_bid_z'] + names)}):")
        out.append("        act = _act0  # lanes of real threads")
        for sh in p.shared:
            size = sh.size if sh.size is not None else f"max(1, smem // {BITS.get(sh.dtype, (32,))[0] // 8})"
            out.append(f"        {self.ident(sh.name)} = nl.ndarray((1, {size}), {NL[sh.dtype]}, buffer=nl.sbuf)"
                       f"  # __shared__ {sh.name}: block-local")
        out += block_body
        out.append("")
        out.append("    for _bid_z in nl.static_range(_gdim_z):")
        out.append("        for _bid_y in nl.static_range(_gdim_y):")
        out.append("            for _bid_x in nl.static_range(_gdim_x):")
        out.append(f"                _one_block({', '.join(['_bid_x', '_bid_y', '_bid_z'] + names)})")
        out.append(f"    return ({''.join(o + ', ' for o in outputs)})")
        return "\n".join(out)

    def launcher(self) -> str:
        """The launcher: the shared checks (:mod:`porter.backends.launchers`), the run, and the
        results written into the caller's numpy arrays."""
        p = self.p
        sym = self.sym
        names = [self.ident(q.name) for q in p.params]
        bf16 = {i for i, q in enumerate(p.params) if q.kind == "ptr" and q.dtype == "bf16"}
        written_bf16 = [i for i in self.written if i in bf16]
        lines = [f"def {sym}({''.join(n + ', ' for n in names)}{LAUNCH_KEYWORDS}):",
                 f'    """Launch {text(p.kernel)} as CUDA would; writes the numpy arrays of the pointers it writes in '
                 'place and returns {parameter index: array} for them."""']
        lines += launcher_checks(p, self.ident, p.kernel)
        lines += ["    if stream is not None:", f"        _no_stream({p.kernel!r}, stream)"]
        for k, q in enumerate(p.params):
            if q.kind != "ptr":
                continue
            name, want = names[k], ELEMENT[q.dtype]
            call = f"_host({p.kernel!r}, {q.name!r}, {cuda_type(q)!r}, {name}, {want!r}, {k in self.written})"
            if q.dtype == "bf16":  # bfloat16 or its bit patterns: always the full test
                lines.append(f"    {call}")
                continue
            writable = f" or not {name}.flags.writeable" if k in self.written else ""
            lines.append(f"    if not isinstance({name}, np.ndarray) or {name}.dtype != {want!r}{writable}:")
            lines.append(f"        {call}")
        flat = [f"np.ascontiguousarray({n}).reshape(-1)" if q.kind == "ptr" else n for n, q in zip(names, p.params)]
        lines += [f"    _res = _run({sym}_kernel, [{''.join(a + ', ' for a in flat)}(_gx, _gy, _gz), (_bx, _by, _bz), "
                  f"int(shared_bytes)], {sorted(bf16)!r})",
                  f"    _out = dict(zip({self.written!r}, (np.asarray(o) for o in _res)))"]
        if written_bf16:
            lines += [f"    for i in {written_bf16!r}:", "        _out[i] = _to_bf16(_out[i])"]
        buffers = ", ".join(f"{k}: {names[k]}" for k in self.written)
        lines += [f"    _write_back(_out, {{{buffers}}})", "    return _out"]
        return "\n".join(lines)


def emit_kernel(program: BlockProgram, source_name: str, sym: str | None = None) -> str:
    """The kernel and launcher text of one block program, its launcher named ``sym`` (see
    :func:`symbols`); raises :class:`Unsupported`."""
    emitter = _Emitter(program, source_name, sym)
    return emitter.kernel() + "\n\n\n" + emitter.launcher()


def emit_module(kernels: list[tuple[BlockProgram, str]], source_name: str,
                names: dict[str, str] | None = None) -> str:
    """The module of the kernels' texts (:func:`emit_kernel`); ``names``: their :func:`symbols`."""
    names = names or symbols([p.kernel for p, _ in kernels])
    parts = [PRELUDE.format(source=text(source_name)), LAUNCH + "\n" + runtime_source()]
    for _, kernel in kernels:
        parts.append("\n" + kernel)
    table = ", ".join(f"{p.kernel!r}: {names[p.kernel]}" for p, _ in kernels)
    parts.append(f"\nKERNELS = {{{table}}}\n")
    return "\n".join(parts)
