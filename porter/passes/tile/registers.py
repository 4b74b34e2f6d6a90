"""Which shared arrays a target may hold in registers: a tile written once, then read permuted.

A block-local (shared) array is memory a target has to emulate (Triton: per-program scratch in
global memory, a round trip through the cache hierarchy). Many kernels use one as a staging
tile: every thread writes its elements once, a barrier, then every thread reads elements other
threads wrote (a transpose). When the reads visit the written elements in a permuted order that
is known once the block shape is, the tile never needs memory: the written values, held as one
tensor, reshaped, permuted and reshaped back *are* the values read (a target's layout exchange,
which is what shared memory is for).

:func:`plan` finds such arrays in a block program, given the loops the target fuses (each of the
array's accesses must be one statement that runs once for the whole block, over a lane vector or
a fused loop's ``[copies, lanes]`` tile):

* the array is used only by plain loads and stores (no atomics, wide accesses or pointer
  arithmetic), and has one store, at the top level of the kernel (a ``where`` region or a fused
  loop that runs once around it at most);
* every load of it is such a statement too, after the store with a barrier in between;
* each access's element index is affine in the thread index (``tid.x/y/z``) and the fused loop's
  copy, with integer constant coefficients (:class:`Access`).

Whether the reads permute the written elements depends on the block shape, so it is decided
when the kernel is launched: :func:`tile_order` (which a target copies into its launcher) gives
the reshape and permutation, or None, and the target keeps the memory form for that shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from porter.passes.tile.program import BlockProgram, S, V, assigned, set_once, straight_line, values_in, walk_statements

COORDINATES = ("x", "y", "z", "copy")
#: statements that run once where they stand (the others' bodies or conditions may run again)
_ONCE = frozenset({"let", "set", "store", "where", "eval"})


@dataclass(frozen=True)
class Access:
    """The element ``offset + sum(coefficient * coordinate)`` of every lane of a tile of ``copies``
    rows (1: a lane vector); coordinates: ``x``, ``y``, ``z`` (the thread index) and ``copy``."""

    offset: int
    terms: tuple[tuple[str, int], ...]
    copies: int


@dataclass(frozen=True)
class RegisterTile:
    name: str  # the shared array
    dtype: str
    store: int  # id of its one store statement
    written: Access
    reads: tuple[tuple[int, Access], ...]  # (id of a load, what it reads), in program order


def plan(program: BlockProgram, fused_once) -> dict[str, RegisterTile]:
    """The shared arrays of ``program`` a target may hold in registers (see the module's text).

    ``fused_once(loop)``: the target's fusion of a top-level loop when it runs every iteration
    in one tile (``fuse.Fusion``), else None."""
    sites = list(_sites(program, fused_once))
    found = {}
    for shared in program.shared:
        tile = _tile(program, shared, sites)
        if tile is not None:
            found[shared.name] = tile
    return found


def tile_order(written, read, block):
    """How a tile of written values becomes the tile of values read, for CUDA block ``block``:
    ``(shape, order)`` such that reshaping the written ``[copies, lanes]`` values to ``shape``,
    permuting by ``order`` and reshaping to the read's ``[copies, lanes]`` gives every lane the
    element its index names, or None when the read is not such a permutation of the written
    elements. ``written``/``read``: ``(offset, ((coordinate, coefficient), ...), copies)``.

    The tile's flat position has one bit per power of two of each coordinate's extent (lanes x
    fastest, then y, z, copies); a bit set moves the element index by its coefficient times that
    power (its weight). The read permutes the written elements when both have the same weights,
    all distinct and each larger than the sum of the smaller ones (so that an index has one
    decomposition), and the same offset: the read's bit of a weight is the written bit of it."""
    if any(n & (n - 1) for n in block):
        return None  # padded lanes hold no element
    extent = dict(zip(("x", "y", "z"), block))

    def weights(access):
        offset, terms, copies = access
        coefficient = dict(terms)
        sizes = {**extent, "copy": copies}
        return [coefficient.get(c, 0) << b for c in ("x", "y", "z", "copy") for b in range(sizes[c].bit_length() - 1)]

    w, r = weights(written), weights(read)
    if written[0] != read[0] or sorted(w) != sorted(r):
        return None
    total = 0
    for weight in sorted(w):
        if weight <= total:
            return None  # two elements share an index, or a weight is not positive
        total += weight
    if not w:
        return (1,), (0,)
    n = len(w)
    bit_of = {weight: bit for bit, weight in enumerate(w)}
    # tensor axes of single bits, most significant first: the read's axis j takes the written
    # axis of the same weight
    taken = [n - 1 - bit_of[r[n - 1 - j]] for j in range(n)]
    runs: list[list[int]] = []
    for axis in taken:  # neighbouring axes that stay neighbours move as one
        if runs and runs[-1][-1] + 1 == axis:
            runs[-1].append(axis)
        else:
            runs.append([axis])
    written_order = sorted(runs)
    return tuple(2 ** len(run) for run in written_order), tuple(written_order.index(run) for run in runs)


# ------------------------------------------------------------------------------------- helpers
@dataclass(frozen=True)
class _Site:
    """A statement that runs once for the whole block: its top-level position, and the fused
    loop (counter, its value on entry, step, copies) it is in, if any."""

    position: int
    statement: S
    counter: tuple[str, int, int, int] | None


def _sites(program: BlockProgram, fused_once):
    for position, s in enumerate(program.body):
        if s.kind == "loop":
            fusion = fused_once(s)
            if fusion is None:
                continue
            start = _entry_value(program.body[:position], fusion.counter)
            step = fusion.step.args[0] if fusion.step.op == "const" and isinstance(fusion.step.args[0], int) else None
            if start is None or step is None:
                continue
            for inner in straight_line(s.body[:-1]):
                if inner.kind in _ONCE:
                    yield _Site(position, inner, (fusion.counter, start, step, fusion.copies))
        else:
            for inner in straight_line((s,)):
                if inner.kind in _ONCE:
                    yield _Site(position, inner, None)


def _entry_value(before, name: str) -> int | None:
    """The constant ``name`` holds after the top-level statements ``before``, or None."""
    for s in reversed(before):
        if name in {n for t in walk_statements((s,)) for n in assigned(t)}:
            unmasked = s.kind == "let" or s.kind == "set" and s.args[2] is None
            if unmasked and s.args[0] == name and s.args[1].op == "const" and isinstance(s.args[1].args[0], int):
                return s.args[1].args[0]
            return None
    return None


def _tile(program: BlockProgram, shared, sites: list[_Site]) -> RegisterTile | None:
    if shared.size is None:
        return None
    name = shared.name
    uses = sum(1 for s in walk_statements(program.body) for x in s.args for v in values_in(x)
               if v.op == "var" and v.args[0] == name)
    stores = [s for s in walk_statements(program.body) if s.kind == "store" and _on(s.args[0], s.args[1], name)]
    loads = [v for s in walk_statements(program.body) for x in s.args for v in values_in(x)
             if v.op == "load" and _on(v.args[0], v.args[1], name)]
    if len(stores) != 1 or not loads or uses != len(stores) + len(loads):
        return None  # another use of the array: an atomic, a wide access, a pointer to it
    definitions = {n: v for n, v in set_once(walk_statements(program.body)).items() if v is not None}
    by_id = {id(site.statement): site for site in sites}
    site = by_id.get(id(stores[0]))
    if site is None:
        return None
    written = _access(stores[0].args[2], site, definitions)
    if written is None:
        return None
    reads = []
    remaining = {id(v) for v in loads}
    for later in sites:
        for x in later.statement.args:
            for v in values_in(x):
                if id(v) not in remaining:
                    continue
                access = _access(v.args[2], later, definitions)
                if access is None or not _barrier_between(program.body, site.position, later.position):
                    return None
                remaining.discard(id(v))
                reads.append((id(v), access))
    if remaining:
        return None  # a load in a loop or branch that does not run once
    return RegisterTile(name, shared.dtype, id(stores[0]), written, tuple(reads))


def _on(space: str, base: V, name: str) -> bool:
    return space == "shared" and base.op == "var" and base.args[0] == name


def _barrier_between(body, first: int, last: int) -> bool:
    return any(s.kind == "barrier" for s in body[first + 1:last])


def _access(index: V, site: _Site, definitions: dict[str, V]) -> Access | None:
    found = _affine(index, site.counter, definitions)
    if found is None:
        return None
    offset, terms = found
    copies = site.counter[3] if site.counter else 1
    return Access(offset, tuple((c, terms[c]) for c in COORDINATES if terms.get(c)), copies)


def _affine(x: V, counter, definitions: dict[str, V], depth: int = 0) -> tuple[int, dict[str, int]] | None:
    """``x`` as ``offset + sum(coefficient * coordinate)`` with integer constants, or None."""
    if depth > 32:
        return None
    a = x.args
    match x.op:
        case "const" if isinstance(a[0], int) and not isinstance(a[0], bool):
            return a[0], {}
        case "tid":
            return 0, {a[0]: 1}
        case "var" if counter is not None and a[0] == counter[0]:
            return counter[1], {"copy": counter[2]}
        case "var" if a[0] in definitions:
            return _affine(definitions[a[0]], counter, definitions, depth + 1)
        case "cast" if x.dtype[0] in "iu" and a[0].dtype[0] in "iu" and int(x.dtype[1:]) >= 32:
            # the coordinates and constants of a shared index are small: no wrap-around
            return _affine(a[0], counter, definitions, depth + 1)
        case "bin" if a[0] in ("+", "-"):
            left = _affine(a[1], counter, definitions, depth + 1)
            right = _affine(a[2], counter, definitions, depth + 1)
            if left is None or right is None:
                return None
            sign = 1 if a[0] == "+" else -1
            terms = dict(left[1])
            for c, k in right[1].items():
                terms[c] = terms.get(c, 0) + sign * k
            return left[0] + sign * right[0], terms
        case "bin" if a[0] == "*":
            left = _affine(a[1], counter, definitions, depth + 1)
            right = _affine(a[2], counter, definitions, depth + 1)
            if left is None or right is None or left[1] and right[1]:
                return None
            (scale, _), (offset, terms) = (left, right) if not left[1] else (right, left)
            return offset * scale, {c: k * scale for c, k in terms.items()}
    return None

