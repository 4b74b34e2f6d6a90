"""The one launcher convention of the tile backends (Triton, Pallas, NKI), and its checks.

Every port's ``KERNELS[name]`` is called the same way on every tile backend::

    launcher(*cuda_parameters, grid=(gx, gy, gz), block=(bx, by, bz), shared_bytes=0, stream=None)

the CUDA kernel's parameters in order (pointers as arrays, scalars as Python numbers), then
keyword-only launch geometry. Before anything runs the launcher checks its arguments (the
geometry, each scalar, each pointer's array type, element type, device and layout) and raises
``TypeError`` (wrong kind or element type) or ``ValueError`` (wrong value, device, layout) naming
the kernel and the parameter. Results are written into the caller's buffers where those are
mutable (torch tensors, numpy arrays); every launcher also returns ``{parameter index: array}`` for
the pointer parameters the kernel writes (the caller's buffer itself where it was written in
place; a new array for an immutable jax array). README "Calling a port" is the user's copy.

This module holds what the three emitters share: the tables of element types, the analysis of
which pointer parameters a kernel writes, the text of a launcher's signature and scalar checks,
and the runtime helpers every port carries (plain functions below, copied into each port with
``inspect.getsource``: a port imports nothing from porter, and passes the LLM stage's static
guards, :mod:`porter.llm.guards`, since the port is shown to the model as the candidate to beat).
"""

from __future__ import annotations

import inspect

from porter.passes.tile.alias import aliasing
from porter.passes.tile.program import BlockProgram, V, values_in, walk_statements

#: block-program element type -> the array element type a pointer to it needs (numpy's, torch's
#: and jax's name for it)
ELEMENT = {"bool": "bool", "i8": "int8", "u8": "uint8", "i16": "int16", "u16": "uint16", "i32": "int32",
           "u32": "uint32", "i64": "int64", "u64": "uint64", "f16": "float16", "bf16": "bfloat16",
           "f32": "float32", "f64": "float64"}
#: block-program element type -> its CUDA spelling (for messages)
CUDA = {"bool": "bool", "i8": "signed char", "u8": "unsigned char", "i16": "short", "u16": "unsigned short",
        "i32": "int", "u32": "unsigned int", "i64": "long long", "u64": "unsigned long long", "f16": "half",
        "bf16": "__nv_bfloat16", "f32": "float", "f64": "double"}
#: block-program element type -> bytes
BYTES = {"bool": 1, "i8": 1, "u8": 1, "i16": 2, "u16": 2, "i32": 4, "u32": 4, "i64": 8, "u64": 8, "f16": 2,
         "bf16": 2, "f32": 4, "f64": 8}
FLOATING = {"f16", "bf16", "f32", "f64"}
#: the keyword-only launch parameters every launcher takes after the CUDA parameters (each
#: emitter reserves these names: kernel parameters are renamed around them)
LAUNCH_KEYWORDS = "*, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0, stream=None"


def cuda_type(param) -> str:
    """The CUDA spelling of a block-program parameter's type: ``float*``, ``float4*``, ``int``."""
    name = CUDA[param.dtype]
    if param.kind != "ptr":
        return name
    lanes = getattr(param, "lanes", 1)
    return f"{name}{lanes if lanes > 1 else ''}*"


def written_pointers(program: BlockProgram) -> tuple[int, ...]:
    """Indices (in ``program.params``) of the pointer parameters the kernel may write: those a
    global store or atomic is based on (:mod:`porter.passes.tile.alias`); every pointer parameter
    when a write's pointer is based on none (a pointer chosen at run time)."""
    pointers = {q.name: k for k, q in enumerate(program.params) if q.kind == "ptr"}
    shared = {sh.name for sh in program.shared}
    roots = aliasing(program)
    bases = []
    for s in walk_statements(program.body):
        if s.kind in ("store", "vstore") and s.args[0] != "shared":
            bases.append(s.args[1])
        for a in s.args:
            for v in values_in(a) if isinstance(a, V) else ():
                if v.op == "atomic" and v.args[1] != "shared":
                    bases.append(v.args[2])
    written = set()
    for base in bases:
        if isinstance(base, V) and base.op in ("var", "param") and base.args[0] in shared:
            continue
        root = roots.root(base)
        if root not in pointers:
            return tuple(sorted(pointers.values()))
        written.add(pointers[root])
    return tuple(sorted(written))


def dynamic_shared(program: BlockProgram) -> tuple[str, str, int] | None:
    """(name, CUDA element type, element bytes) of the kernel's ``extern __shared__`` array, if any."""
    for sh in program.shared:
        if sh.size is None:
            return sh.name, CUDA[sh.dtype], BYTES[sh.dtype]
    return None


def launcher_checks(program: BlockProgram, ident, kernel_name: str, indent: str = "    ") -> list[str]:
    """The launcher's opening lines that every backend shares: the geometry, the dynamic shared
    memory and the scalars. ``ident`` maps a parameter's CUDA name to its Python name. Each scalar
    costs one ``isinstance`` test when it is already a Python number."""
    k = repr(kernel_name)
    lines = [f"{indent}(_gx, _gy, _gz), (_bx, _by, _bz) = _geometry({k}, grid, block, shared_bytes)"]
    dynamic = dynamic_shared(program)
    if dynamic is not None:
        name, ctype, size = dynamic
        lines.append(f"{indent}if shared_bytes < {size}:")
        lines.append(f"{indent}    _no_shared({k}, {name!r}, {ctype!r}, shared_bytes)")
    for q in program.params:
        if q.kind != "scalar":
            continue
        name = ident(q.name)
        if q.dtype in FLOATING:
            lines.append(f"{indent}if not isinstance({name}, float):")
            lines.append(f"{indent}    {name} = _real({k}, {q.name!r}, {cuda_type(q)!r}, {name})")
        else:
            lines.append(f"{indent}if not isinstance({name}, int):")
            lines.append(f"{indent}    {name} = _integer({k}, {q.name!r}, {cuda_type(q)!r}, {name})")
    return lines


# ------------------------------------------------------------------ helpers every port carries
# These run inside every port, so they keep to what the LLM stage's static guards allow porter's
# own ports (porter.llm.guard_tables): no imports, no try/except, no type(), no dunders, no
# module-level state; only isinstance tests, constant getattr and plain arithmetic.

#: how a value's repr starts -> what to call it in a message
KINDS = (("tensor(", "a torch tensor"), ("Array(", "a jax array"), ("array(", "a numpy array"),
         ("Traced<", "a traced jax array"))
_KINDS = KINDS  # the name the helpers read (a port defines it beside them)


def _what(value):
    """A short description of an argument for messages: what it is, its element type and device."""
    text = repr(value)
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return text if len(text) <= 40 else text[:37] + "..."
    kind = "an array"
    for start, name in _KINDS:
        if text.startswith(start):
            kind = name
    device = getattr(value, "device", None)
    where = f" on {device}" if device is not None and not callable(device) else ""
    return f"{kind} of {str(dtype).replace('torch.', '')}{where}"


def _whole(value):
    """Whether value is an integer: a Python int, or a 0-d integer array or numpy/torch scalar."""
    if isinstance(value, int):
        return True
    return getattr(value, "shape", None) == () and "int" in str(getattr(value, "dtype", ""))


def _dims(kernel, what, value):
    """A launch dimension (an int or up to three ints, CUDA's dim3) as a 3-tuple of positive ints."""
    if isinstance(value, tuple) and len(value) == 3:
        x, y, z = value
        if isinstance(x, int) and isinstance(y, int) and isinstance(z, int) and x > 0 and y > 0 and z > 0:
            return value
    dims = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not 1 <= len(dims) <= 3 or not all(_whole(v) for v in dims):
        raise TypeError(f"{kernel}: {what}= takes an int or up to three ints (CUDA's dim3); got {value!r}")
    dims = tuple(int(v) for v in dims) + (1,) * (3 - len(dims))
    if min(dims) < 1:
        raise ValueError(f"{kernel}: {what}={value!r}: every dimension must be at least 1")
    return dims


def _geometry(kernel, grid, block, shared_bytes):
    """(grid, block) as 3-tuples of positive ints, the block within CUDA's 1024 threads, and
    shared_bytes a number of bytes; an error naming the kernel otherwise."""
    if isinstance(grid, tuple) and isinstance(block, tuple) and len(grid) == 3 and len(block) == 3:
        (gx, gy, gz), (bx, by, bz) = grid, block  # the usual call, checked without calls
        if isinstance(gx, int) and isinstance(gy, int) and isinstance(gz, int) and isinstance(bx, int) and \
                isinstance(by, int) and isinstance(bz, int) and isinstance(shared_bytes, int) and \
                gx > 0 and gy > 0 and gz > 0 and bx > 0 and by > 0 and bz > 0 and bx * by * bz <= 1024 and \
                shared_bytes >= 0:
            return grid, block
    g, b = _dims(kernel, "grid", grid), _dims(kernel, "block", block)
    if b[0] * b[1] * b[2] > 1024:
        raise ValueError(f"{kernel}: block={block!r} has {b[0] * b[1] * b[2]} threads; CUDA allows at most 1024")
    if not _whole(shared_bytes) or shared_bytes < 0:
        raise ValueError(f"{kernel}: shared_bytes={shared_bytes!r} must be a number of bytes >= 0")
    return g, b


def _no_shared(kernel, name, ctype, shared_bytes):
    raise ValueError(f"{kernel}: the kernel uses extern __shared__ {ctype} {name}[] (dynamic shared memory) "
                     f"and shared_bytes={shared_bytes} holds no {ctype}: pass shared_bytes=, the size in bytes "
                     f"that CUDA's launch gives as the third <<<grid, block, bytes>>> argument")


def _integer(kernel, name, ctype, value):
    """An integer scalar argument as a Python int (numpy and 0-d integer arrays included)."""
    if not _whole(value):
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes an integer; got {_what(value)}")
    return int(value)


def _real(kernel, name, ctype, value):
    """A floating-point scalar argument as a Python float (ints, numpy and 0-d arrays included)."""
    number = isinstance(value, (int, float)) or getattr(value, "shape", None) == () and (
        "int" in str(getattr(value, "dtype", "")) or "float" in str(getattr(value, "dtype", "")))
    if not number:
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes a number; got {_what(value)}")
    return float(value)


#: the helpers above, in the order a port defines them
RUNTIME = (_what, _whole, _dims, _geometry, _no_shared, _integer, _real)


#: read when this module is imported, so that the text is the code that was imported (read later,
#: an edited file would give other lines)
_RUNTIME_SOURCE = f"\n_KINDS = {KINDS!r}\n\n\n" + "\n\n".join(inspect.getsource(fn) for fn in RUNTIME)


def runtime_source() -> str:
    """The text of the shared runtime helpers, as a port carries them."""
    return _RUNTIME_SOURCE
