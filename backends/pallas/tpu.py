"""The TPU flavour, in two forms, both checked by Mosaic's lowering (jax.export for "tpu").

* Re-tiled: a kernel whose threads are independent and touch ``p[blockIdx.x * blockDim.x +
  threadIdx.x]`` only (the commonest CUDA kernel) is emitted with BlockSpecs over arrays padded to
  whole (8, 128) tiles: each program takes 1024 consecutive global threads, whatever the CUDA block
  size; loads and stores are whole-block ref reads and masked whole-block writes; the grid is
  "parallel". :class:`TpuEmitter` decides what qualifies.
* Block model (:class:`TpuBlockEmitter`): every other kernel runs one program per CUDA block, as
  the GPU flavour does, with every array one whole VMEM block resident across a sequential
  ("arbitrary") grid. That gives CUDA's cooperating threads a TPU form: __shared__ arrays are VMEM
  scratch, __syncthreads phases simply run in order over the lane vector, element reads of other
  threads' data are VMEM-local gathers, element writes and atomics (add/max/min) combine the lanes
  per element (a program runs alone, so its read-modify-writes are atomic), warp shuffles are
  gathers between lanes. What has no such form is refused with a diagnostic naming the construct:
  64-bit arithmetic other than element indices (P0608), atomics other than add/sub/max/min
  (P0602). Arrays must fit in VMEM (checked by the launcher).
"""

from __future__ import annotations

from porter.backends.names import mangle, text
from porter.backends.pallas.emit import Emitter, PortError, assigned, lanes_of, values
from porter.backends.pallas.tables import JNP, SIZE
from porter.backends.tile import shuffle_source

from porter.passes.tile.program import S, V, walk_statements

TILE = 1024  # global threads per TPU program: an (8, 128) block

TPU_ABOUT = """Each CUDA kernel is one pl.pallas_call for Mosaic TPU: the kernel's threads are
independent, so the grid is re-tiled: program i takes global threads [1024 i, 1024 (i + 1)) as an
(8, 128) block (arrays padded to whole tiles by the launcher; BlockSpecs (8, 128) -> (i, 0)).
threadIdx/blockIdx are computed per element from the global id; loads read the block, stores
write it under the CUDA mask (outputs start as a copy of their aliased inputs)."""

TPU_HELPERS = '''
from jax.experimental.pallas import tpu as pltpu

_TILE = 1024
_SHAPE = (_TILE // 128, 128)


def _compiler_params():
    return pltpu.CompilerParams(dimension_semantics=("parallel",))


def _tile(array, total):
    flat = jnp.ravel(array)
    return jnp.pad(flat, (0, total - flat.shape[0])).reshape(-1, 128)
'''

_INDEX_CASTS = ("i32", "u32", "i64", "u64")


class TpuEmitter(Emitter):
    flavor = "tpu"
    counted_loops = False  # trip counts are 64-bit

    def analyse(self) -> None:
        super().analyse()
        p = self.p
        if p.shared:
            raise PortError("P0603", f"__shared__ array {p.shared[0].name} (block-shared memory between "
                            "threads has no TPU form in this flavour)", p.line)
        if p.shuffles:
            raise PortError("P0604", "warp shuffles (lanes exchanging values)", p.line)
        if p.dims != ("x",):
            raise PortError("P0606", f"a {len(p.dims)}-D thread block (only 1-D blocks are re-tiled)", p.line)
        for q in p.params:
            if q.kind == "ptr" and q.lanes > 1:
                raise PortError("P0607", f"vector pointer {q.name} ({q.dtype}x{q.lanes} loads are strided)", p.line)
        body_sets = set(assigned(p.body))
        self.gidvars = {s.args[0] for s in walk_statements(p.body)
                        if s.kind == "let" and s.args[0] not in body_sets and self.is_gid(s.args[1])}
        for s in walk_statements(p.body):
            self.check(s)

    def check(self, s: S) -> None:
        line = s.line
        if s.kind == "barrier":
            raise PortError("P0603", "__syncthreads (threads cooperating through shared memory)", line)
        if s.kind in ("if", "loop") and any(v.op in ("bid", "gdim") for v in values(s.args[0])):
            raise PortError("P0606", "control flow uniform over a CUDA block (on blockIdx/gridDim): TPU "
                            "programs span several CUDA blocks", line)
        if s.kind == "store":
            _, base, index, value, _ = s.args
            self.check_access(base, index, "store", line)
        for v in (x for a in s.args if isinstance(a, V) for x in values(a)):
            if v.op == "atomic":
                raise PortError("P0602", f"atomic{v.args[0].capitalize()} (TPUs have no atomics)", line)
            if v.op == "count":
                raise PortError("P0603", "__syncthreads_count (a block-wide vote)", line)
            if v.op in ("bid", "gdim") and v.args[0] != "x":
                raise PortError("P0606", f"a multi-dimensional grid ({v.op} .{v.args[0]})", line)
            if v.dtype in ("f64", "i64", "u64") and v.vec and v.op not in ("cast",):
                raise PortError("P0608", f"64-bit vector values ({v.dtype}): TPUs compute in 32 bits", line)
            if v.op == "load":
                self.check_access(v.args[1], v.args[2], "load", line)

    def check_access(self, base: V, index: V, what: str, line: int) -> None:
        if base.op != "param":
            raise PortError("P0607", f"a {what} through a derived pointer (an element gather/scatter on HBM)", line)
        if not index.vec:
            raise PortError("P0605", f"a {what} of one element at a block-uniform index of {base.args[0]} "
                            "(scalar HBM access; needs scalar prefetch)", line)
        if not self.is_gid(index):
            raise PortError("P0607", f"a {what} of {base.args[0]} at an index other than the global thread id "
                            "(an element gather/scatter on HBM)", line)

    def is_gid(self, v: V) -> bool:
        while v.op == "cast" and v.dtype in _INDEX_CASTS:
            v = v.args[0]
        if v.op == "var":
            return v.args[0] in getattr(self, "gidvars", ())
        if v.op != "bin" or v.args[0] != "+":
            return False
        parts = sorted((self._strip(v.args[1]), self._strip(v.args[2])), key=lambda x: x.op)
        mul, tid = parts if parts[0].op == "bin" else (None, None)
        if mul is None or tid.op != "tid" or tid.args[0] != "x" or mul.args[0] != "*":
            return False
        ops = sorted((self._strip(mul.args[1]).op, self._strip(mul.args[2]).op))
        return ops == ["bdim", "bid"] and all(self._strip(x).args[0] == "x" for x in mul.args[1:])

    @staticmethod
    def _strip(v: V) -> V:
        while v.op == "cast" and v.dtype in _INDEX_CASTS:
            v = v.args[0]
        return v

    # ------------------------------------------------------------------------------ memory
    def load(self, v: V) -> str:
        return f"{self.refname(v.args[1].args[0])}[...]"

    def store(self, s: S) -> str:
        _, base, _, value, m = s.args
        ref = self.refname(base.args[0])
        val = f"jnp.broadcast_to({self.ex(value)}, _SHAPE).astype({ref}.dtype)"
        if m is None:
            return f"{ref}[...] = {val}"
        return f"{ref}[...] = jnp.where({self.mask(m)}, {val}, {ref}[...])"

    # ------------------------------------------------------------------------------ kernel
    def prelude(self) -> None:
        self.put(2, "_gid = (pl.program_id(0) * _TILE + lax.broadcasted_iota(jnp.int32, _SHAPE, 0) * 128"
                 " + lax.broadcasted_iota(jnp.int32, _SHAPE, 1))  # global thread id")
        self.put(2, "_tid_x, _bid_x = (_gid % _bx).astype(jnp.uint32), (_gid // _bx).astype(jnp.uint32)")
        self.put(2, "_tid_y = _tid_z = jnp.zeros(_SHAPE, jnp.uint32)")
        self.put(2, "_bdim_x, _bdim_y, _bdim_z = jnp.uint32(_bx), jnp.uint32(1), jnp.uint32(1)")
        self.put(2, "_gdim_x = jnp.uint32(_gx)")
        self.put(2, "_valid = _gid < _gx * _bx  # threads past the CUDA grid off")
        self.put(2, "_act = _valid")
        self.put(2, "_ltid = _tid_x.astype(jnp.int32)")
        for q in self.p.params:
            if q.kind == "ptr" and q.name in self.written:
                self.put(2, f"{self.refname(q.name)}[...] = _in_{self.ident(q.name)}[...]  # in place: start from the input")

    def kernel(self) -> str:
        p = self.p
        sym = self.sym
        names = [self.ident(q.name) for q in p.params]
        self.launcher_head(sym, names)
        self.put(1, "if _gy * _gz * _by * _bz != 1:")
        self.put(2, "raise ValueError('the TPU port of a 1-D kernel needs a 1-D grid and block')")
        ptrs = [q for q in p.params if q.kind == "ptr"]
        sizes = " ".join(f"jnp.size({self.ident(q.name)})," for q in ptrs)
        self.put(1, f"_total = _TILE * pl.cdiv(max(_gx * _bx, {sizes}), _TILE)")
        self.put(1, f"_arrays = [{', '.join(f'_tile({self.ident(q.name)}, _total)' for q in ptrs)}]")
        written = [q for q in ptrs if q.name in self.written]
        outs = [f"jax.ShapeDtypeStruct((_total // 128, 128), _arrays[{ptrs.index(q)}].dtype)" for q in written]
        self.put(1, "_block = pl.BlockSpec((_TILE // 128, 128), lambda i: (i, 0))")
        self.kernel_function(f"1024 consecutive threads of CUDA kernel {text(p.kernel)} ({self.source_name}:{p.line}).")
        aliases = {ptrs.index(q): j for j, q in enumerate(written)}
        self.put(1, f"_results = pl.pallas_call(_kernel, grid=(_total // _TILE,), out_shape=[{', '.join(outs)}],")
        self.put(1, f"                          in_specs=[_block] * {len(ptrs)}, out_specs=[_block] * {len(written)},")
        self.put(1, f"                          input_output_aliases={aliases!r}, interpret=INTERPRET,")
        self.put(1, "                          compiler_params=_compiler_params())(*_arrays)")
        result = ", ".join(f"{p.params.index(q)}: _results[{j}].reshape(-1)[:jnp.size({self.ident(q.name)})]"
                           f".reshape(jnp.shape({self.ident(q.name)}))" for j, q in enumerate(written))
        self.launcher_tail(result)
        return "\n".join(self.lines)


# ---------------------------------------------------------------------------------------------
# The block model: one program per CUDA block, every array whole in VMEM
# ---------------------------------------------------------------------------------------------
BLOCK_ABOUT = """Kernels whose threads cooperate (__shared__ memory, __syncthreads, warp shuffles, atomics,
reads of other threads' elements) are ported one CUDA block per program instead: the grid is the
CUDA grid, run in order on one TensorCore (dimension semantics "arbitrary"); every array is one
whole block in VMEM that stays resident across the grid (outputs start as a copy of their aliased
inputs, written back once at the end); the block's threads are one lane vector. __shared__ arrays
are VMEM scratch; __syncthreads needs nothing, since a program runs its phases in order over all
its lanes. Element reads are VMEM-local gathers (jnp.take), element writes pick the last lane
writing each element, atomics combine all lanes' values per element, shuffles are gathers
between lanes. Launchers refuse arrays that do not fit in VMEM."""

BLOCK_HELPERS = '''
#: what the whole-array (block) ports may keep in VMEM: arrays, scratch and per-store temporaries
_VMEM_BUDGET = 48 * 1024 * 1024


def _block_params():
    return pltpu.CompilerParams(dimension_semantics=("arbitrary",) * 3, vmem_limit_bytes=_VMEM_BUDGET + (16 << 20))


def _whole(array):
    """The whole array as one VMEM block, the same block for every program (resident)."""
    return pl.BlockSpec(array.shape, lambda i, j, k: (0,) * array.ndim)


def _fits_vmem(kernel, arrays, written, scratch_bytes, lanes):
    need = sum(a.size * a.dtype.itemsize for a in arrays) + sum(arrays[k].size * arrays[k].dtype.itemsize
                                                            for k in written)
    need += scratch_bytes + 3 * 4 * lanes * max(_CHUNK, lanes)  # (lanes, chunk) tables of element writes
    if need > _VMEM_BUDGET:
        raise ValueError(f"the TPU port of {kernel} keeps whole arrays in VMEM: {need} bytes needed, "
                         f"{_VMEM_BUDGET} allowed")


#: element writes go over the written array in chunks of this many elements (a multiple of 128)
_CHUNK = 512


def _chunked(size):
    """Elements of an array that element writes address: past _CHUNK, whole chunks."""
    return size if size <= _CHUNK else -(-size // _CHUNK) * _CHUNK


def _pad(array):
    return jnp.pad(array, (0, _chunked(array.size) - array.size))


def _first_program():
    return (pl.program_id(0) == 0) & (pl.program_id(1) == 0) & (pl.program_id(2) == 0)


def _lanes(x, shape, dtype=None):
    x = jnp.asarray(x) if dtype is None else jnp.asarray(x).astype(dtype)
    return jnp.broadcast_to(x, shape)


def _reduce(op, x, axis):
    """sum/max/min along ``axis``; Mosaic reduces float and int32 values only, so other integers
    go through int32 (unsigned ones order-preserving), and the axis is kept until the end."""
    dtype = x.dtype
    if jnp.issubdtype(dtype, jnp.unsignedinteger) and dtype.itemsize == 4:
        bias = jnp.uint32(0) if op == "add" else jnp.uint32(0x80000000)
        x = lax.bitcast_convert_type(x ^ bias, jnp.int32)
        out = _reduce(op, x, axis)
        return lax.bitcast_convert_type(out, jnp.uint32) ^ bias
    if jnp.issubdtype(dtype, jnp.integer) and dtype.itemsize < 4:
        return _reduce(op, x.astype(jnp.int32), axis).astype(dtype)
    if jnp.issubdtype(dtype, jnp.floating) and dtype.itemsize < 4:
        return _reduce(op, x.astype(jnp.float32), axis).astype(dtype)
    scalar = x.ndim == 1
    if scalar:
        x, axis = x[None, :], 1
    fn = {"add": jnp.sum, "max": jnp.max, "min": jnp.min}[op]
    out = fn(x, axis=axis, promote_integers=False) if op == "add" else fn(x, axis=axis)
    return lax.squeeze(out, (0,)) if scalar else out


def _identity(op, dtype):
    if op == "add":
        return jnp.zeros((), dtype)
    if jnp.issubdtype(dtype, jnp.floating):
        return jnp.asarray(float("-inf") if op == "max" else float("inf"), dtype)
    info = jnp.iinfo(dtype)
    return jnp.asarray(info.min if op == "max" else info.max, dtype)


_COMBINE = {"add": lambda a, b: a + b, "max": jnp.maximum, "min": jnp.minimum}


def _any(mask):
    return jnp.max(mask.astype(jnp.int32)) > 0


def _gather(ref, i, mask, shape):
    """ref[i] for every lane, from the whole array in VMEM; lanes off the mask read 0."""
    i = _lanes(i, shape, jnp.int32)
    if mask is None:
        return jnp.take(ref[...], i)
    mask = _lanes(mask, shape)
    return jnp.where(mask, jnp.take(ref[...], jnp.where(mask, i, 0)), jnp.zeros((), ref.dtype))


def _chunks(ref, i, mask, shape, update):
    """Runs update(start, size, hit) over the chunks of ref that the lanes of mask address,
    hit[k, e]: lane k writes element start + e."""
    n = ref.shape[0]
    size = min(n, _CHUNK)  # n is a whole number of chunks (see _chunked)
    i, mask = _lanes(i, shape, jnp.int32), _lanes(True if mask is None else mask, shape)
    inside = mask & (i >= 0) & (i < n)
    first = _reduce("min", jnp.where(inside, i, n - 1), 0) // size
    last = _reduce("max", jnp.where(inside, i, -1), 0) // size
    table = (shape[0], size)
    lane_i = lax.broadcast_in_dim(i, table, (0,))
    lane_on = lax.broadcast_in_dim(inside, table, (0,))

    def one(c, carry):
        start = pl.multiple_of(c * size, size)
        update(start, size, (lane_i == start + lax.broadcasted_iota(jnp.int32, table, 1)) & lane_on)
        return carry
    lax.fori_loop(first, last + 1, one, 0)


def _scatter(ref, i, v, mask, shape):
    """ref[i] = v for the lanes of mask; where several lanes write one element the last one wins
    (CUDA leaves that order open)."""
    v = _lanes(v, shape, ref.dtype)

    def update(start, size, hit):
        who = _reduce("max", jnp.where(hit, lax.broadcasted_iota(jnp.int32, hit.shape, 0), -1), 0)
        ref[pl.ds(start, size)] = jnp.where(who >= 0, jnp.take(v, jnp.maximum(who, 0)), ref[pl.ds(start, size)])
    _chunks(ref, i, mask, shape, update)


def _atomic(op, ref, i, v, mask, shape, old=True):
    """atomicAdd/Max/Min of every lane of mask, as if one after another in lane order (a program
    runs alone, so a read-modify-write of the array is atomic); returns what each lane saw."""
    v = _lanes(v, shape, ref.dtype)
    none = _identity(op, ref.dtype)
    seen = _gather(ref, i, mask, shape) if old else None

    def update(start, size, hit):
        spread = jnp.where(hit, lax.broadcast_in_dim(v, hit.shape, (0,)), none)
        ref[pl.ds(start, size)] = _COMBINE[op](ref[pl.ds(start, size)], _reduce(op, spread, 0))
    _chunks(ref, i, mask, shape, update)
    if not old:
        return None
    i, mask = _lanes(i, shape, jnp.int32), _lanes(True if mask is None else mask, shape)
    pairs = (shape[0], shape[0])  # (lane, earlier lane)
    earlier = (lax.broadcast_in_dim(i, pairs, (0,)) == lax.broadcast_in_dim(i, pairs, (1,))) & \\
        lax.broadcast_in_dim(mask, pairs, (1,)) & \\
        (lax.broadcasted_iota(jnp.int32, pairs, 1) < lax.broadcasted_iota(jnp.int32, pairs, 0))
    return _COMBINE[op](seen, _reduce(op, jnp.where(earlier, lax.broadcast_in_dim(v, pairs, (1,)), none), 1))


def _shuffle(value, src, ok, shape):
    """A warp shuffle: each lane reads lane src's value (its own where ok is off)."""
    lane = lax.broadcasted_iota(jnp.int32, shape, 0)
    src = _lanes(src, shape, jnp.int32)
    return jnp.take(_lanes(value, shape), jnp.where(ok & (src >= 0) & (src < shape[0]), src, lane))
'''

_WIDE = ("i64", "u64", "f64")
_NARROW_INTS = ("bool", "i8", "u8", "i16", "u16", "i32", "u32")
_TPU_ATOMICS = ("add", "max", "min")


class TpuBlockEmitter(Emitter):
    """One program per CUDA block over whole arrays in VMEM (see BLOCK_ABOUT)."""

    flavor = "tpu"
    counted_loops = False  # trip counts are 64-bit (and the grid is sequential anyway)

    def analyse(self) -> None:
        super().analyse()
        for q in self.p.params:
            if q.dtype in _WIDE:
                raise PortError("P0608", f"64-bit parameter {q.name} ({q.dtype}): TPUs compute in 32 bits", self.p.line)
        for sh in self.p.shared:
            if sh.dtype in _WIDE:
                raise PortError("P0608", f"64-bit __shared__ array {sh.name} ({sh.dtype}): TPUs compute in 32 bits",
                                self.p.line)
        self.narrowed: set[str] = set()  # 64-bit integer variables kept in int32 (see check_index)
        for s in walk_statements(self.p.body):
            self.line = s.line
            args = s.args
            if s.kind in ("let", "set") and args[1].dtype in _WIDE[:2]:
                self.check_index(args[1])
                self.narrowed.add(args[0])
            elif s.kind in ("let", "set"):
                self.check_value(args[1])
            elif s.kind == "store":
                self.check_pointer(args[1])
                self.check_index(args[2])
                self.check_value(args[3])
                self.check_mask(args[4])
            elif s.kind in ("eval", "if", "where", "loop"):
                self.check_value(args[0] if s.kind != "where" else args[1])

    def check_mask(self, m) -> None:
        if isinstance(m, V):
            self.check_value(m)

    def check_value(self, v: V) -> None:
        if not isinstance(v, V):
            return
        if v.dtype in _WIDE:
            raise PortError("P0608", f"a 64-bit value ({v.dtype}, {fmt_short(v)}): TPUs compute in 32 bits", self.line)
        if v.dtype.startswith("*"):
            self.check_pointer(v)
            return
        if v.op == "load":
            self.check_pointer(v.args[1])
            self.check_index(v.args[2])
            self.check_mask(v.args[3])
            return
        if v.op == "atomic":
            op, _, base, index, value, mask, _ = v.args
            if op not in _TPU_ATOMICS:
                raise PortError("P0602", f"atomic{op.capitalize()} (only atomicAdd/Sub/Max/Min have a TPU form: "
                                "the combined value of all lanes)", self.line)
            self.check_pointer(base)
            self.check_index(index)
            self.check_value(value)
            self.check_mask(mask)
            return
        for a in v.args:
            self.check_value(a)

    def check_pointer(self, v: V) -> None:
        if v.op == "bin":
            self.check_pointer(v.args[1])
            self.check_index(v.args[2])

    def check_index(self, v: V) -> None:
        """An element index (or a variable only used in them). 64-bit index arithmetic (size_t)
        is done in int32 when it is a ring expression (+, -, *) of 32-bit values, constants and such
        variables: int32 arithmetic wraps modulo 2^32, so it gives the exact value of any index in
        [0, 2^31), which every index of a VMEM array is."""
        if v.dtype not in _WIDE[:2]:
            self.check_value(v)
            return
        a = v.args
        if v.op == "cast" and a[0].dtype in _NARROW_INTS:
            self.check_value(a[0])
        elif (v.op == "const" and isinstance(a[0], int)) or (v.op == "var" and a[0] in self.narrowed):
            pass
        elif v.op == "bin" and a[0] in ("+", "-", "*"):
            self.check_index(a[1])
            self.check_index(a[2])
        elif v.op == "un" and a[0] == "-":
            self.check_index(a[1])
        else:
            raise PortError("P0608", f"64-bit integer arithmetic ({v.dtype}, {fmt_short(v)}) outside element "
                            "indices, or with operations that need all 64 bits: TPUs compute in 32 bits", self.line)

    # ---------------------------------------------------------------------------- values
    def ex_index(self, v: V) -> str:
        """An index expression, 64-bit integer arithmetic in int32 (checked by check_index)."""
        if v.dtype in _NARROW_INTS[1:] and v.dtype != "i32":
            return f"jnp.asarray({self.ex(v)}).astype(jnp.int32)"
        if v.dtype not in _WIDE[:2]:
            return self.ex(v)
        a = v.args
        match v.op:
            case "cast":
                return f"jnp.asarray({self.ex(a[0])}).astype(jnp.int32)"
            case "const":
                return f"jnp.int32({(int(a[0]) + 2 ** 31) % 2 ** 32 - 2 ** 31})"
            case "var":
                return self.ident(a[0])
            case "un":
                return f"(-{self.ex_index(a[1])})"
        return f"({self.ex_index(a[1])} {a[0]} {self.ex_index(a[2])})"

    def value(self, v: V) -> str:
        if v.dtype in _WIDE[:2]:
            return self.ex_index(v)  # a 64-bit integer used in element indices only: int32
        return super().value(v)

    def index(self, base: V, index: V) -> tuple[str, str]:
        ref, off = self.resolve(base)
        idx = self.ex_index(index)
        return self.refname(ref), idx if off == "0" else f"{off} + {idx}"

    def resolve(self, v: V) -> tuple[str, str]:
        if v.op == "var" and v.args[0] in self.shared:
            return v.args[0], "0"  # VMEM scratch: this program's own
        if v.op == "bin" and v.args[0] in ("+", "-"):
            ref, off = self.resolve(v.args[1])
            step = self.ex_index(v.args[2])
            scale = lanes_of(v.dtype)
            step = f"{step} * {scale}" if scale > 1 else step
            return ref, step if off == "0" and v.args[0] == "+" else f"({off} {v.args[0]} {step})"
        return super().resolve(v)

    def ex(self, v: V) -> str:
        if v.op == "count":
            return f"_reduce('add', ({self.vec(v.args[0])} & {self.mask(v.args[1])}).astype(jnp.int32), 0)"
        return super().ex(v)

    # ---------------------------------------------------------------------------- memory
    def load(self, v: V) -> str:
        _, base, index, m = v.args
        ref, idx = self.index(base, index)
        if not v.vec and m is None and not index.vec:
            return f"{ref}[{idx}]"
        return f"_gather({ref}, {idx}, {self.mask(m)}, _SHAPE)"

    def store(self, s: S) -> str:
        _, base, index, value, m = s.args
        ref, idx = self.index(base, index)
        return f"_scatter({ref}, {idx}, {self.ex(value)}, {self.mask(m)}, _SHAPE)"

    def atomic(self, v: V, old: bool = True) -> str:
        op, _, base, index, value, m, _ = v.args
        ref, idx = self.index(base, index)
        return f"_atomic({op!r}, {ref}, {idx}, {self.ex(value)}, {self.mask(m)}, _SHAPE{'' if old else ', old=False'})"

    def shuffle(self, v: V) -> str:
        kind, value, arg, width = v.args
        w, x = self.ex(width), self.ex(arg)
        src, ok = shuffle_source(kind, x, w)
        return f"_shuffle({self.ex(value)}, {src}, {ok}, _SHAPE)"

    # ------------------------------------------------------------------------- statements
    def body(self, stmts, indent: int) -> None:
        start = len(self.lines)
        for s in stmts:
            self.stmt(s, indent)
        if all(line.strip().startswith("#") for line in self.lines[start:]):
            self.put(indent, "pass")

    def stmt(self, s: S, indent: int) -> None:
        at = f"  # {self.source_name}:{s.line}" if s.line else ""
        if s.kind == "barrier":
            self.put(indent, f"# __syncthreads{at.replace('  #', '')}: the phases above ran for every lane")
            return
        if s.kind == "eval" and s.args[0].op == "atomic":
            self.line = s.line
            self.put(indent, self.atomic(s.args[0], old=False) + at)
            return
        super().stmt(s, indent)

    # ---------------------------------------------------------------------------- kernel
    def refs(self) -> tuple[list[str], list[str]]:
        ptrs = [q.name for q in self.p.params if q.kind == "ptr"]
        ins = [f"_in_{self.ident(n)}" if n in self.written else self.refname(n) for n in ptrs]
        outs = [self.refname(n) for n in ptrs if n in self.written]
        outs += [f"_sm_{mangle(sh.name)}" for sh in self.p.shared]
        return ins, outs

    def prelude(self) -> None:
        self.lanes()
        written = [q for q in self.p.params if q.kind == "ptr" and q.name in self.written]
        if written:
            self.put(2, "")
            self.put(2, "@pl.when(_first_program())")
            self.put(2, "def _start():  # outputs stay in VMEM across the grid: start them from the inputs")
            for q in written:
                self.put(3, f"{self.refname(q.name)}[...] = _in_{self.ident(q.name)}[...]")
            self.put(2, "")

    def kernel(self) -> str:
        p = self.p
        sym = self.sym
        names = [self.ident(q.name) for q in p.params]
        self.launcher_head(sym, names)
        self.put(1, "_BX, _BY, _BZ = _p2(_bx), _p2(_by), _p2(_bz)")
        self.put(1, "_L = _BX * _BY * _BZ  # lanes: the block's threads, padded to powers of two")
        self.put(1, "_SHAPE = (_L,)")
        ptrs = [q for q in p.params if q.kind == "ptr"]
        arrays = [f"_pad(jnp.ravel({self.ident(q.name)}))" if q.name in self.written else f"jnp.ravel({self.ident(q.name)})"
                  for q in ptrs]
        self.put(1, f"_arrays = [{', '.join(arrays)}]  # written ones padded to whole chunks")
        written = [k for k, q in enumerate(ptrs) if q.name in self.written]
        outs = [f"jax.ShapeDtypeStruct(_arrays[{k}].shape, _arrays[{k}].dtype)" for k in written]
        scratch = []
        for sh in p.shared:
            size = str(sh.size) if sh.size is not None else f"max(1, shared_bytes // {SIZE[sh.dtype]})"
            self.put(1, f"_size_{mangle(sh.name)} = {size}  # __shared__ {sh.name}")
            scratch.append(f"pltpu.VMEM((_chunked(_size_{mangle(sh.name)}),), {JNP[sh.dtype]})")
        scratch_bytes = " + ".join(f"_chunked(_size_{mangle(sh.name)}) * {SIZE[sh.dtype]}" for sh in p.shared) or "0"
        self.put(1, f"_fits_vmem({p.kernel!r}, _arrays, {written!r}, {scratch_bytes}, _L)")
        self.kernel_function(f"CUDA block (blockIdx.x, .y, .z) = program_id(0, 1, 2) of {text(p.kernel)} "
                             f"({self.source_name}:{p.line}), one lane per thread.", refs="refs, scratch")
        aliases = {k: j for j, k in enumerate(written)}
        self.put(1, f"_results = pl.pallas_call(_kernel, grid=(_gx, _gy, _gz), out_shape=[{', '.join(outs)}],")
        self.put(1, f"                          in_specs=[_whole(a) for a in _arrays], "
                 f"out_specs=[{', '.join(f'_whole(_arrays[{k}])' for k in written)}],")
        self.put(1, f"                          scratch_shapes=[{', '.join(scratch)}],")
        self.put(1, f"                          input_output_aliases={aliases!r}, interpret=INTERPRET,")
        self.put(1, "                          compiler_params=_block_params())(*_arrays)")
        result = ", ".join(f"{p.params.index(ptrs[k])}: _results[{j}][:jnp.size({self.ident(ptrs[k].name)})]"
                           f".reshape(jnp.shape({self.ident(ptrs[k].name)}))" for j, k in enumerate(written))
        self.launcher_tail(result)
        return "\n".join(self.lines)


def fmt_short(v: V) -> str:
    from porter.passes.tile.program import fmt
    text = fmt(v)
    return text if len(text) <= 60 else text[:57] + "..."


def tpu_emitter(program, source_name: str, sym: str | None = None, reserved: frozenset[str] = frozenset()) -> Emitter:
    """The re-tiled form where the kernel's threads are independent, else the block model."""
    try:
        return TpuEmitter(program, source_name, sym, reserved)
    except PortError:
        return TpuBlockEmitter(program, source_name, sym, reserved)
