"""The TPU flavour: independent CUDA threads re-tiled into (8, 128) blocks of the global thread id.

A TPU runs the grid sequentially on one core, has no atomics, no shared memory between "threads"
and no element gathers from HBM in vector code. What maps well is the commonest CUDA kernel: every
thread independent, touching ``p[blockIdx.x * blockDim.x + threadIdx.x]`` only. Such a kernel is
emitted with BlockSpecs over arrays padded to whole (8, 128) tiles (each program takes 1024
consecutive global threads, whatever the CUDA block size), loads and stores as whole-block ref
reads and masked whole-block writes. Everything else is refused here with a diagnostic naming the
construct (ids P06xx), before any code is written.
"""

from __future__ import annotations

from porter.backends.pallas.emit import Emitter, PortError, assigned, ident, symbol, values, walk
from porter.backends.pallas.tables import JNP

from porter.passes.tile.program import S, V

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
        self.gidvars = {s.args[0] for s in walk(p.body)
                        if s.kind == "let" and s.args[0] not in body_sets and self.is_gid(s.args[1])}
        for s in walk(p.body):
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
                self.put(2, f"{self.refname(q.name)}[...] = _in_{ident(q.name)}[...]  # in place: start from the input")

    def kernel(self) -> str:
        p = self.p
        sym = symbol(p.kernel)
        names = [ident(q.name) for q in p.params]
        self.launcher_head(sym, names)
        self.put(1, "if _gy * _gz * _by * _bz != 1:")
        self.put(2, "raise ValueError('the TPU port of a 1-D kernel needs a 1-D grid and block')")
        ptrs = [q for q in p.params if q.kind == "ptr"]
        sizes = " ".join(f"jnp.size({ident(q.name)})," for q in ptrs)
        self.put(1, f"_total = _TILE * pl.cdiv(max(_gx * _bx, {sizes}), _TILE)")
        self.put(1, f"_arrays = [{', '.join(f'_tile({ident(q.name)}, _total)' for q in ptrs)}]")
        written = [q for q in ptrs if q.name in self.written]
        outs = [f"jax.ShapeDtypeStruct((_total // 128, 128), _arrays[{ptrs.index(q)}].dtype)" for q in written]
        self.put(1, "_block = pl.BlockSpec((_TILE // 128, 128), lambda i: (i, 0))")
        ins, out_refs = self.refs()
        self.put(1, "")
        scalars = [f"{ident(q.name)}={ident(q.name)}" for q in p.params if q.kind == "scalar"]
        self.put(1, f"def _kernel({', '.join(ins + out_refs + scalars)}):  # refs, then by-value parameters")
        self.put(2, f'"""1024 consecutive threads of CUDA kernel {p.kernel} ({self.source_name}:{p.line})."""')
        self.prelude()
        for q in p.params:
            if q.kind == "scalar":
                self.put(2, f"{ident(q.name)} = jnp.asarray({ident(q.name)}, {JNP[q.dtype]})  # by-value parameter")
        self.defined = {q.name for q in p.params} | {"act"}
        self.top = 2
        self.body(p.body, 2)
        self.put(1, "")
        aliases = {ptrs.index(q): j for j, q in enumerate(written)}
        self.put(1, f"_results = pl.pallas_call(_kernel, grid=(_total // _TILE,), out_shape=[{', '.join(outs)}],")
        self.put(1, f"                          in_specs=[_block] * {len(ptrs)}, out_specs=[_block] * {len(written)},")
        self.put(1, f"                          input_output_aliases={aliases!r}, interpret=INTERPRET,")
        self.put(1, "                          compiler_params=_compiler_params())(*_arrays)")
        result = ", ".join(f"{p.params.index(q)}: _results[{j}].reshape(-1)[:jnp.size({ident(q.name)})]"
                           f".reshape(jnp.shape({ident(q.name)}))" for j, q in enumerate(written))
        self.put(1, f"return {{{result}}}")
        return "\n".join(self.lines)
