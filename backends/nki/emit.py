"""Block program -> an NKI module: one ``@nki.jit`` kernel and one launcher per CUDA kernel.

Walk: the kernel loops over the CUDA grid (``nl.affine_range``: blocks are independent once
atomics and inter-block exchanges are refused) and calls the block body, where uniform values
are trace-time Python numbers and lane vectors are SBUF tiles (layout in :mod:`.prelude`).
Global loads and stores need an index ``uniform + stride * threadIdx.x`` (found by
:func:`_Emitter.affine`) and become ``dma_copy`` over slices; stores read, select and write back
so masked-off lanes keep their old values. Written pointer parameters get an HBM output
(``nl.shared_hbm``) the kernel first copies the input into and returns.

Constructs with no NKI form raise :class:`Unsupported` (the diagnostic id and the CUDA line);
the backend turns it into a diagnostic and leaves the kernel out of the module.
"""

from __future__ import annotations

import keyword
import math
import re

from porter.backends.nki.prelude import PRELUDE
from porter.backends.nki.tables import ACTIVATION, ALU, BITVEC, COMPARE, FLOATS, INTS, MATH_ALU, NL, UNIFORM_MATH

from porter.passes.tile.program import BlockProgram, S, V

RESERVED = {"np", "nki", "nl", "nisa", "KERNELS", "WRITES", "range", "min", "max", "abs", "int", "float"}
_BITS = {"i8": (8, True), "u8": (8, False), "i16": (16, True), "u16": (16, False), "i32": (32, True),
         "u32": (32, False), "i64": (64, True), "u64": (64, False)}


class Unsupported(Exception):
    def __init__(self, diag_id: str, message: str, line: int = 0):
        super().__init__(message)
        self.diag_id, self.message, self.line = diag_id, message, line


def ident(name: str) -> str:
    name = re.sub(r"\W", "_", name)
    return name + "_" if keyword.iskeyword(name) or name in RESERVED or name.startswith("_") else name


def symbol(kernel: str) -> str:
    return re.sub(r"\W+", "_", kernel).strip("_")


def _plus(a: str, b: str) -> str:
    return b if a == "0" else a if b == "0" else f"({a} + {b})"


def _times(a: str, b: str) -> str:
    if "0" in (a, b):
        return "0"
    return b if a == "1" else a if b == "1" else f"({a} * {b})"


class _Emitter:
    def __init__(self, program: BlockProgram, source_name: str):
        self.p = program
        self.source_name = source_name
        self.lines: list[str] = []
        self.temps = 0
        self.line = program.line
        self.indent = 2
        self.set_vars: set[str] = set()
        self.defs: dict[str, V] = {}
        self.written: list[int] = []
        self.ranges: dict[str, list | None] = {"act": [("0", "_bdim_x")]}

    # ------------------------------------------------------------------------- refusals
    def refuse(self, diag_id: str, message: str):
        raise Unsupported(diag_id, message, self.line)

    def check_program(self) -> None:
        p = self.p
        if p.shared:
            self.line = p.line
            self.refuse("P0701", f"__shared__ array {p.shared[0].name}: block-wide exchange through shared "
                        "memory is not mapped to NKI tiles")
        if p.shuffles:
            self.refuse("P0702", "warp shuffles (__shfl_*) exchange values between threads")
        if set(p.dims) - {"x"}:
            self.refuse("P0707", f"{'-'.join(p.dims)} thread block ({len(p.dims)}-D); porter lays out 1-D blocks")

    def scan(self, body) -> None:
        """Collect variables that are reassigned, let-definitions, and written pointer params."""
        for s in body:
            if s.kind == "set":
                self.set_vars.add(s.args[0])
            elif s.kind == "let":
                self.defs[s.args[0]] = s.args[1]
            elif s.kind == "store" and s.args[1].op == "param":
                index = next(i for i, q in enumerate(self.p.params) if q.name == s.args[1].args[0])
                if index not in self.written:
                    self.written.append(index)
            self.scan(s.body)
            self.scan(s.orelse)

    # ------------------------------------------------------------------------- uniform values
    def uex(self, v) -> str:
        """A block-uniform value as a trace-time Python expression (C semantics)."""
        if not isinstance(v, V):
            return repr(v)
        a = v.args
        if v.vec:
            raise ValueError("internal error in porter, please report: lane vector in a uniform context")
        match v.op:
            case "const":
                return self.const(v)
            case "var" | "param":
                return ident(a[0])
            case "bid" | "bdim" | "gdim":
                return f"_{v.op}_{a[0]}"
            case "bin":
                return self.ubin(v)
            case "un":
                x = self.uex(a[1])
                if a[0] == "!":
                    return f"(not {x})"
                if a[0] == "~":
                    return self.wrap(f"(~{x})", v.dtype)
                return self.wrap(f"({a[0]}{x})", v.dtype)
            case "cast":
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
            case "load":
                self.refuse("P0706", f"block-uniform load from {a[1].args[0] if a[1].op in ('param', 'var') else 'memory'}")
            case "atomic":
                self.refuse("P0703", f"atomic {a[0]} on {a[1]} memory")
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
        if dtype in _BITS:
            bits, signed = _BITS[dtype]
            return f"_wrap({text}, {bits}, {signed})"
        if dtype in FLOATS:
            return f"np.float32({text})" if dtype != "f16" else f"np.float16({text})"
        return text

    def ucast(self, text: str, dtype: str) -> str:
        if dtype == "bool":
            return f"bool({text})"
        if dtype in _BITS:
            bits, signed = _BITS[dtype]
            return f"_int({text}, {bits}, {signed})"
        return f"np.float16({text})" if dtype == "f16" else f"np.float32({text})"

    def ubin(self, v: V) -> str:
        op, x, y = v.args
        a, b = self.uex(x), self.uex(y)
        if op in ("&&", "||"):
            return f"({a} {'and' if op == '&&' else 'or'} {b})"
        if op in COMPARE:
            return f"({a} {op} {b})"
        if v.dtype in _BITS:
            if op == "/":
                return self.wrap(f"_idiv({a}, {b})", v.dtype)
            if op == "%":
                return self.wrap(f"_imod({a}, {b})", v.dtype)
            return self.wrap(f"({a} {op} {b})", v.dtype)
        return self.wrap(f"({a} {op} {b})", v.dtype)

    # ------------------------------------------------------------------------- index analysis
    def affine(self, v, depth: int = 0) -> tuple[str, str] | None:
        """(uniform part, stride) with v == uniform + stride * lane, or None."""
        if not isinstance(v, V) or depth > 50:
            return None
        if not v.vec:
            return self.uex(v), "0"
        a = v.args
        match v.op:
            case "tid" if a[0] == "x":
                return "0", "1"
            case "ltid":
                return "0", "1"
            case "var" if a[0] not in self.set_vars and a[0] in self.defs:
                return self.affine(self.defs[a[0]], depth + 1)
            case "cast" | "splat" if v.dtype in INTS:
                return self.affine(a[0], depth + 1)
            case "bin" if a[0] in ("+", "-"):
                left, right = self.affine(a[1], depth + 1), self.affine(a[2], depth + 1)
                if left is None or right is None:
                    return None
                if a[0] == "+":
                    return _plus(left[0], right[0]), _plus(left[1], right[1])
                neg = lambda t: "0" if t == "0" else f"(-{t})"
                return _plus(left[0], neg(right[0])), _plus(left[1], neg(right[1]))
            case "bin" if a[0] == "*":
                left, right = self.affine(a[1], depth + 1), self.affine(a[2], depth + 1)
                if left is None or right is None:
                    return None
                if left[1] == "0":
                    left, right = right, left
                if right[1] != "0":
                    return None
                return _times(left[0], right[0]), _times(left[1], right[0])
        return None

    # ------------------------------------------------------------------------- lane ranges
    def lanes(self, m, depth: int = 0):
        """A lane mask as a union of lane ranges [(lo, hi)] (trace-time expressions; hi None: no
        bound), when it depends only on threadIdx.x and uniform values; otherwise None."""
        if m is None:
            return self.ranges.get("act")
        if isinstance(m, str):
            return self.ranges.get(m)
        if not isinstance(m, V) or depth > 50:
            return None
        a = m.args
        if m.op == "var":
            return self.ranges.get(a[0])
        if m.op == "un" and a[0] == "!":
            inner = self.lanes(a[1], depth + 1)
            return None if inner is None else self.complement(inner)
        if m.op == "bin" and a[0] in ("&&", "||"):
            left, right = self.lanes(a[1], depth + 1), self.lanes(a[2], depth + 1)
            if left is None or right is None:
                return None
            if a[0] == "||":
                return left + right
            return [(f"max({l1}, {l2})", h1 if h2 is None else h2 if h1 is None else f"min({h1}, {h2})")
                    for l1, h1 in left for l2, h2 in right]
        if m.op == "bin" and a[0] in ("<", "<=", ">", ">="):
            op, x, y = a
            if y.vec and not x.vec:
                op, x, y = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op], y, x
            form = self.affine(x) if x.vec and not y.vec else None
            if form is None or form[1] != "1":
                return None
            edge = f"({self.uex(y)} - {form[0]})"
            return {"<": [("0", edge)], "<=": [("0", f"{edge} + 1")], ">": [(f"{edge} + 1", None)],
                    ">=": [(edge, None)]}[op]
        return None

    @staticmethod
    def complement(ranges):
        out = [("0", None)]
        for lo, hi in ranges:
            parts = [("0", lo)] + ([(hi, None)] if hi is not None else [])
            out = [(f"max({l1}, {l2})", h1 if h2 is None else h2 if h1 is None else f"min({h1}, {h2})")
                   for l1, h1 in out for l2, h2 in parts]
        return out

    # ------------------------------------------------------------------------- lane vectors
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
        """A lane vector (or a uniform value used as one) as an SBUF tile name."""
        if not isinstance(v, V):
            raise ValueError(f"internal error in porter, please report: {v!r} is not a value")
        if not v.vec:
            dtype = self.tile_dtype(v.dtype)
            return f"_splat({self.uex(v)}, _S, {NL[dtype]})"
        a = v.args
        match v.op:
            case "var":
                return ident(a[0])
            case "tid" if a[0] == "x":
                return "_lane"
            case "ltid":
                return "_lane"
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
            case "atomic":
                self.refuse("P0703", f"atomic {a[0]} on {a[1]} memory")
            case "shfl":
                self.refuse("P0702", f"warp shuffle ({a[0]})")
        self.refuse("P0708", f"block-program op {v.op} on lane values")

    def operand(self, v: V, integer: bool) -> str:
        """A tile, or a trace-time number for a uniform float operand."""
        if v.vec or integer:
            return self.vex(v)
        return self.uex(v)

    def vbin(self, v: V) -> str:
        op, x, y = v.args
        if op in ("&&", "||"):
            return f"_both({self.vex(x)}, {self.vex(y)}, _S, {'nl.multiply' if op == '&&' else 'nl.maximum'})"
        if op in COMPARE:
            integer = x.dtype in INTS or x.dtype == "bool" and y.dtype in INTS
            if x.dtype in ("i64", "u64") or y.dtype in ("i64", "u64"):
                self.refuse("P0708", "comparison of 64-bit integer lane values")
            a = self.vex(x) if x.vec else self.uex(x)
            b = self.vex(y) if y.vec else self.uex(y)
            return f"_cmp({op!r}, {a}, {b}, _S, {integer})"
        dtype = self.tile_dtype(v.dtype)
        integer = dtype in INTS
        if op in BITVEC:
            if not integer:
                self.refuse("P0708", f"bitwise {op} on {dtype}")
            alu = BITVEC[op]
        elif op in ALU and not (integer and op == "/"):
            alu = ALU[op]
        else:
            what = {"/": "integer division", "%": "remainder", "<<": "shift", ">>": "shift"}.get(op, op)
            self.refuse("P0708", f"{what} ({op}) of {dtype} lane values")
        if integer and op in BITVEC and not (x.vec and y.vec):
            data, scalar, reverse = (self.vex(x), self.uex(y), False) if x.vec else (self.vex(y), self.uex(x), True)
            out = self.temp(dtype)
            self.put(f"nisa.tensor_scalar(dst={out}, data={data}, op0={alu}, operand0={scalar}, reverse0={reverse})")
            return out
        if x.vec and y.vec or integer:
            a, b = self.vex(x), self.vex(y)
            out = self.temp(dtype)
            self.put(f"nisa.tensor_tensor(dst={out}, data1={a}, data2={b}, op={alu})")
            return out
        data, scalar, reverse = (self.vex(x), self.uex(y), False) if x.vec else (self.vex(y), self.uex(x), True)
        out = self.temp(dtype)
        rev = ", reverse0=True" if reverse and op in ("-", "/") else ""
        self.put(f"nisa.tensor_scalar(dst={out}, data={data}, op0={alu}, operand0={scalar}{rev})")
        return out

    def vun(self, v: V) -> str:
        op, x = v.args
        if op == "!":
            return f"_not({self.vex(x)}, _S)"
        dtype = self.tile_dtype(v.dtype)
        out_dtype = dtype
        if op == "~" and dtype in INTS:
            a = self.vex(x)
            out = self.temp(out_dtype)
            self.put(f"nisa.tensor_scalar(dst={out}, data={a}, op0=nl.bitwise_xor, operand0=-1)")
            return out
        if op == "-":
            a = self.vex(x)
            if dtype in INTS:
                zero = f"_splat(0, _S, {NL[dtype]})"
                out = self.temp(dtype)
                self.put(f"nisa.tensor_tensor(dst={out}, data1={zero}, data2={a}, op=nl.subtract)")
                return out
            out = self.temp(dtype)
            self.put(f"nisa.tensor_scalar(dst={out}, data={a}, op0=nl.multiply, operand0=-1.0)")
            return out
        self.refuse("P0708", f"unary {op} on {dtype} lane values")

    def vcast(self, v: V) -> str:
        x = v.args[0]
        target, source = v.dtype, x.dtype
        if target == "bool":
            return self.vex(V("bin", "bool", True, ("!=", x, V("const", source, False, (0,)))))
        if target in ("i64", "u64") or source in ("i64", "u64", "f64") or target == "f64":
            self.refuse("P0708", f"conversion {source} -> {target} of lane values (64-bit types)")
        if source in FLOATS and target in INTS:
            self.refuse("P0708", f"truncating conversion {source} -> {target} (NKI converts to nearest)")
        a = self.vex(x)
        out = self.temp(target)
        if source in INTS and target in INTS:
            # through the bit pattern, so large values stay exact (a float32 copy would round)
            self.put(f"nisa.tensor_scalar(dst={out}, data={a}, op0=nl.bitwise_or, operand0=0)")
        else:
            self.put(f"nisa.tensor_copy(dst={out}, src={a})")
        return out

    def vselect(self, v: V) -> str:
        c, x, y = v.args
        dtype = self.tile_dtype(v.dtype)
        if not c.vec:
            return f"({self.vex(x)} if {self.uex(c)} else {self.vex(y)})"
        self.require_exact_select(dtype, "a per-lane ?: or if/else on floating-point values")
        mask, a, b = self.vex(c), self.vex(x), self.vex(y)
        return f"_select({mask}, {a}, {b}, _S, {NL[dtype]}, {dtype in INTS})"

    def require_exact_select(self, dtype: str, what: str) -> None:
        """porter's NKI select is arithmetic (c*x + (1-c)*y): exact for integers and finite floats, but an
        inf or NaN in the lane not taken would poison the result. Refuse rather than emit that."""
        if dtype not in INTS:
            self.refuse("P0709", f"{what}: porter's NKI select is arithmetic and would turn inf/NaN in the "
                                 "unselected lane into NaN")

    def vmath(self, v: V) -> str:
        op, args = v.args[0], [x for x in v.args[1:] if x is not None]
        dtype = self.tile_dtype(v.dtype)
        if op == "rint_int":
            a = self.vex(args[0])
            out = self.temp(dtype)
            self.put(f"nisa.tensor_copy(dst={out}, src={a})  # to nearest even, as __float2int_rn")
            return out
        if dtype in INTS and op not in ("max", "min"):
            self.refuse("P0708", f"math function {op} on integer lane values")
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
            self.put(f"nisa.tensor_scalar(dst={out}, data={a}, op0=nl.maximum, operand0=0.0, op1=nl.minimum, operand1=1.0)")
            return out
        if op in MATH_ALU and len(args) == 2:
            x, y = args
            alu = MATH_ALU[op]
            integer = dtype in INTS
            if x.vec and y.vec or integer:
                a, b = self.vex(x), self.vex(y)
                out = self.temp(dtype)
                self.put(f"nisa.tensor_tensor(dst={out}, data1={a}, data2={b}, op={alu})")
                return out
            data, scalar, reverse = (self.vex(x), self.uex(y), False) if x.vec else (self.vex(y), self.uex(x), True)
            out = self.temp(dtype)
            rev = ", reverse0=True" if reverse and op in ("pow", "div") else ""
            self.put(f"nisa.tensor_scalar(dst={out}, data={data}, op0={alu}, operand0={scalar}{rev})")
            return out
        self.refuse("P0708", f"math function {op} on lane values")

    def index(self, base: V, index: V, what: str) -> tuple[str, str, str]:
        if base.op != "param":
            self.refuse("P0704", f"{what} through a pointer variable")
        form = self.affine(index)
        if form is None:
            self.refuse("P0704", f"{what} {base.args[0]}[...] with an index that is not uniform + stride * "
                        "threadIdx.x (a per-element gather or scatter)")
        if form[1] == "0":
            self.refuse("P0706", f"{what} {base.args[0]}[...] at one block-uniform index")
        return ident(base.args[0]), form[0], form[1]

    def vload(self, v: V) -> str:
        space, base, index, _ = v.args
        if space != "global":
            self.refuse("P0701", f"{space} memory load")
        array, start, stride = self.index(base, index, "load from")
        dtype = self.tile_dtype(v.dtype)
        out = self.temp(dtype)
        self.put(f"_load({out}, {array}, {start}, {stride}, _S)")
        return out

    def mask(self, m) -> str:
        if m is None:
            return "_act0"
        if isinstance(m, str):
            return ident(m)
        return self.vex(m)

    # ------------------------------------------------------------------------- statements
    def body(self, stmts) -> None:
        start = len(self.lines)
        for s in stmts:
            self.stmt(s)
        if len(self.lines) == start:
            self.put("pass")

    def stmt(self, s: S) -> None:
        a = s.args
        self.line = s.line or self.line
        at = f"  # line {s.line}" if s.line else ""
        match s.kind:
            case "let" | "set":
                name, value = a[0], a[1]
                mask = a[2] if s.kind == "set" else None
                if not value.vec and not (s.kind == "set" and mask is not None and self.is_lane_var(name)):
                    if mask is not None:
                        self.refuse("P0708", f"uniform variable {name} set under a lane mask")
                    self.put(f"{ident(name)} = {self.uex(value)}{at}")
                    return
                if value.dtype == "bool":
                    self.ranges[name] = self.lanes(value) if mask is None else None
                new = self.vex(value)
                if mask is not None:
                    dtype = self.tile_dtype(value.dtype)
                    self.require_exact_select(dtype, f"{name} assigned under a lane mask")
                    new = f"_select({self.mask(mask)}, {new}, {ident(name)}, _S, {NL[dtype]}, {dtype in INTS})"
                self.put(f"{ident(name)} = {new}{at}")
            case "store":
                space, base, index, value, m = a
                if space != "global":
                    self.refuse("P0701", f"store to {space} memory")
                array, start, stride = self.index(base, index, "store to")
                param = next(q for q in self.p.params if q.name == base.args[0])
                dtype = self.tile_dtype(param.dtype)
                tile = self.vex(value) if value.vec or value.dtype == param.dtype else \
                    self.vex(V("cast", param.dtype, False, (value,)))
                ranges = self.lanes(m)
                if ranges is not None:  # lanes known at trace time: plain DMA, no read-back
                    text = ", ".join(f"({lo}, {hi})" for lo, hi in ranges)
                    self.put(f"_store_lanes({array}, {tile}, [{text}], {start}, {stride}, _S){at}")
                    return
                self.require_exact_select(dtype, f"a store to {base.args[0]} under a per-lane condition")
                self.put(f"_store({array}, {tile}, {self.mask(m)}, {start}, {stride}, _S, {NL[dtype]}, "
                         f"{dtype in INTS}){at}")
            case "eval":
                self.vex(a[0]) if a[0].vec else self.uex(a[0])
            case "if":
                self.put(f"if {self.uex(a[0])}:{at}")
                self.nested(s.body)
                if s.orelse:
                    self.put("else:")
                    self.nested(s.orelse)
            case "where":
                self.ranges[a[0]] = self.lanes(a[1])
                self.put(f"{ident(a[0])} = {self.vex(a[1])}{at}")
                self.body(s.body)
            case "loop":
                self.put(f"while {self.uex(a[0])}:{at}")
                self.nested(s.body)
            case "mloop":
                self.refuse("P0705", "loop whose condition differs between threads (masked loop)")
            case "barrier":
                self.refuse("P0701", "__syncthreads() between phases")
            case "return":
                self.put(f"return{at}")
            case _:
                raise ValueError(f"internal error in porter, please report: statement {s.kind}")

    def is_lane_var(self, name: str) -> bool:
        value = self.defs.get(name)
        return value is not None and value.vec

    def nested(self, stmts) -> None:
        self.indent += 1
        self.body(stmts)
        self.indent -= 1

    # ------------------------------------------------------------------------- kernel
    def kernel(self) -> str:
        p = self.p
        self.check_program()
        self.scan(p.body)
        sym = symbol(p.kernel)
        names = [ident(q.name) for q in p.params]
        body_start = len(self.lines)
        self.body(p.body)
        block_body = self.lines[body_start:]
        self.lines = self.lines[:body_start]
        out = ["@nki.jit",
               f"def {sym}_kernel({', '.join(names + ['grid', 'block'])}):",
               f'    """CUDA kernel {p.kernel} ({self.source_name}:{p.line}): the grid block by block, '
               'a block\'s threads as one SBUF tile."""',
               "    (_gdim_x, _gdim_y, _gdim_z), (_bdim_x, _bdim_y, _bdim_z) = grid, block",
               "    _S = _layout(_p2(_bdim_x))  # (partitions, free)",
               "    _lane = _lane_ids(_S)  # threadIdx.x of every lane",
               "    _act0 = _range_mask(0, _bdim_x, _S)  # padding lanes off"]
        for q in p.params:
            if q.kind == "scalar":
                conv = self.ucast(ident(q.name), "i32" if q.dtype == "bool" else q.dtype)
                out.append(f"    {ident(q.name)} = {conv}")
        outputs = []
        for i in self.written:
            q = p.params[i]
            name = ident(q.name)
            out.append(f"    {name}_out = nl.ndarray({name}.shape, {name}.dtype, buffer=nl.shared_hbm)")
            out.append(f"    nisa.dma_copy(dst={name}_out, src={name})  # {q.name} is written: HBM output")
            out.append(f"    {name} = {name}_out")
            outputs.append(f"{name}_out")
        out.append("")
        out.append(f"    def _one_block({', '.join(['_bid_x', '_bid_y', '_bid_z'] + names)}):")
        out.append("        act = _act0")
        out += block_body
        out.append("")
        out.append("    for _bid_z in nl.affine_range(_gdim_z):")
        out.append("        for _bid_y in nl.affine_range(_gdim_y):")
        out.append("            for _bid_x in nl.affine_range(_gdim_x):")
        out.append(f"                _one_block({', '.join(['_bid_x', '_bid_y', '_bid_z'] + names)})")
        out.append(f"    return ({''.join(o + ', ' for o in outputs)})")
        return "\n".join(out)

    def launcher(self) -> str:
        p = self.p
        sym = symbol(p.kernel)
        bf16 = {i for i, q in enumerate(p.params) if q.kind == "ptr" and q.dtype == "bf16"}
        written_bf16 = [i for i in self.written if i in bf16]
        lines = [f"def {sym}(*args, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0):",
                 f'    """Launch {p.kernel} as CUDA would; returns {{parameter index: new array}} for the '
                 'pointers it writes."""',
                 "    args = [np.ascontiguousarray(a).reshape(-1) if isinstance(a, np.ndarray) else a for a in args]",
                 f"    out = _run({sym}_kernel, [*args, _dim3(grid), _dim3(block)], {sorted(bf16)!r})",
                 f"    result = dict(zip({self.written!r}, (np.asarray(o) for o in out)))",
                 f"    for i in {written_bf16!r}:",
                 "        result[i] = _to_bf16(result[i])",
                 "    return result"]
        return "\n".join(lines)


def emit_kernel(program: BlockProgram, source_name: str) -> str:
    """The kernel and launcher text of one block program; raises :class:`Unsupported`."""
    emitter = _Emitter(program, source_name)
    return emitter.kernel() + "\n\n\n" + emitter.launcher()


def emit_module(kernels: list[tuple[BlockProgram, str]], source_name: str) -> str:
    parts = [PRELUDE.format(source=source_name)]
    for _, text in kernels:
        parts.append("\n" + text)
    names = ", ".join(f"{p.kernel!r}: {symbol(p.kernel)}" for p, _ in kernels)
    parts.append(f"\nKERNELS = {{{names}}}\n")
    return "\n".join(parts)
