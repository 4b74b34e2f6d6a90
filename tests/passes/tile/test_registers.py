"""Which shared arrays may live in registers, and the permutation that reads them
(porter.passes.tile.registers)."""

import itertools
import random

import numpy as np

from porter.frontends.ir_frontend import build_ir
from porter.passes.tile import fuse, lower_module, registers
from porter.passes.tile.alias import aliasing
from porter.passes.tile.strided import strided_loops
from porter.source import load_source

TRANSPOSE = """
__global__ void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
    __shared__ float tile[32][33];
    int x = blockIdx.x * 32 + threadIdx.x;
    int y = blockIdx.y * 32 + threadIdx.y;
    for (int j = 0; j < 32; j += 8) {
        if (x < cols && y + j < rows) { tile[threadIdx.y + j][threadIdx.x] = in[(size_t)(y + j) * cols + x]; }
    }
    __syncthreads();
    x = blockIdx.y * 32 + threadIdx.x;
    y = blockIdx.x * 32 + threadIdx.y;
    for (int j = 0; j < 32; j += 8) {
        if (x < rows && y + j < cols) { out[(size_t)(y + j) * rows + x] = tile[threadIdx.x][threadIdx.y + j]; }
    }
}
"""


def tiles_of(text: str, unroll: int = 4):
    source = load_source(text, name="k.cu")
    (program,), problems = lower_module(build_ir(source), source.text, raise_reductions=True)
    assert problems == []
    program = strided_loops(program, spare=unroll - 1)
    memory = aliasing(program)

    def fused_once(loop):
        trips = loop.args[1] if len(loop.args) > 1 else None
        if trips is None or trips.op != "const":
            return None
        fusion = fuse.plan(loop, fuse.copies_for(loop, unroll), program, memory)
        return fusion if fusion is not None and fusion.copies == trips.args[0] else None

    return registers.plan(program, fused_once)


def as_tuple(access: registers.Access):
    return access.offset, access.terms, access.copies


def test_the_transpose_tile_is_written_once_and_read_permuted():
    tiles = tiles_of(TRANSPOSE)
    assert list(tiles) == ["tile"]
    tile = tiles["tile"]
    # written: tile[ty + j][tx], j = 0, 8, 16, 24 the copies; read: tile[tx][ty + j]
    assert as_tuple(tile.written) == (0, (("x", 1), ("y", 33), ("copy", 264)), 4)
    assert [as_tuple(a) for _, a in tile.reads] == [(0, (("x", 33), ("y", 1), ("copy", 8)), 4)]
    order = registers.tile_order(as_tuple(tile.written), as_tuple(tile.reads[0][1]), (32, 8, 1))
    assert order == ((32, 32), (1, 0))  # a 32 x 32 transpose
    # with another block shape the reads are no permutation of the writes: memory
    assert registers.tile_order(as_tuple(tile.written), as_tuple(tile.reads[0][1]), (16, 16, 1)) is None
    assert registers.tile_order(as_tuple(tile.written), as_tuple(tile.reads[0][1]), (32, 6, 1)) is None


def test_arrays_that_are_not_one_tile_stay_in_memory():
    # read before the barrier; stored twice; read in a loop that does not run once; read with
    # a runtime index; an unfused store loop (it reads the tile)
    variants = [
        TRANSPOSE.replace("    __syncthreads();\n", "").replace("int rows, int cols) {", "int rows, int cols) {"),
        TRANSPOSE.replace("__syncthreads();", "__syncthreads(); tile[0][0] = 1.0f; __syncthreads();"),
        TRANSPOSE.replace("for (int j = 0; j < 32; j += 8) {\n        if (x < rows", "for (int j = 0; j < rows; j += 8) {\n        if (x < rows"),
        TRANSPOSE.replace("tile[threadIdx.x][threadIdx.y + j]", "tile[threadIdx.x][(threadIdx.y + j) % cols]"),
        TRANSPOSE.replace("in[(size_t)(y + j) * cols + x]", "in[(size_t)(y + j) * cols + x] + tile[0][threadIdx.x]"),
    ]
    for text in variants:
        assert tiles_of(text) == {}, text
    assert tiles_of(TRANSPOSE, unroll=2) == {}  # 4 iterations do not fit one tile of 2


def simulate(written, read, block):
    """What every read lane gets, by addresses: the written tile's values (its flat positions)."""
    bx, by, bz = block

    def addresses(access):
        offset, terms, copies = access
        k = dict(terms)
        return [offset + k.get("x", 0) * x + k.get("y", 0) * y + k.get("z", 0) * z + k.get("copy", 0) * c
                for c in range(copies) for z in range(bz) for y in range(by) for x in range(bx)]

    where = {address: position for position, address in enumerate(addresses(written))}
    return [where.get(address) for address in addresses(read)]


def permuted(written, read, block):
    """The same through tile_order's reshape and permutation (numpy standing in for the target)."""
    order = registers.tile_order(written, read, block)
    if order is None:
        return None
    shape, axes = order
    values = np.arange(written[2] * int(np.prod(block)))
    return list(np.transpose(values.reshape(shape), axes).reshape(-1))


def test_tile_order_reads_what_the_addresses_say():
    block = (32, 8, 1)
    written = (0, (("x", 1), ("y", 33), ("copy", 264)), 4)
    read = (0, (("x", 33), ("y", 1), ("copy", 8)), 4)
    assert permuted(written, read, block) == simulate(written, read, block)
    assert permuted(written, written, block) == list(range(1024))  # the identity: one axis
    # random superincreasing layouts of a 2 x 4 x 2 block with 2 copies, read in every order
    rng = random.Random(7)
    checked = 0
    for _ in range(1000):
        coordinates = [("x", 2), ("y", 4), ("z", 2), ("copy", 2)]
        rng.shuffle(coordinates)
        weight, written_terms = rng.choice([1, 2]), []
        for name, extent in coordinates:
            written_terms.append((name, weight))
            weight = weight * extent + rng.choice([0, 1])  # gaps, as a padded row leaves
        bits = [(name, w << b) for name, w in written_terms for b in range(dict(coordinates)[name].bit_length() - 1)]
        rng.shuffle(bits)
        # a read that takes the same bit weights for other coordinates: split evenly by extent
        read_terms, i = [], 0
        for name, extent in sorted(coordinates):
            n = extent.bit_length() - 1
            weights = [w for _, w in bits[i:i + n]]
            i += n
            if n == 1:
                read_terms.append((name, weights[0]))
            elif weights[1] == 2 * weights[0]:
                read_terms.append((name, weights[0]))
            else:
                break
        else:
            written = (5, tuple(written_terms), 2)
            read = (5, tuple(read_terms), 2)
            block = (2, 4, 2)
            assert permuted(written, read, block) == simulate(written, read, block), (written, read)
            checked += 1
    assert checked > 40


def test_tile_order_refuses_what_is_no_permutation():
    block = (4, 4, 1)
    written = (0, (("x", 1), ("y", 4)), 1)
    assert registers.tile_order(written, (1, (("x", 4), ("y", 1)), 1), block) is None  # offset
    assert registers.tile_order(written, (0, (("x", 2), ("y", 4)), 1), block) is None  # other weights
    assert registers.tile_order((0, (("x", 1), ("y", 2)), 1), (0, (("x", 2), ("y", 1)), 1), block) is None  # overlap
    assert registers.tile_order(written, (0, (("x", 4), ("y", 1)), 1), (3, 4, 1)) is None  # padded lanes
    assert registers.tile_order(written, (0, (("x", 4), ("y", 1)), 1), block) == ((4, 4), (1, 0))
    for perm in itertools.permutations(["x", "y"]):
        read = (0, tuple(zip(perm, (1, 4))), 1)
        assert permuted(written, read, block) == simulate(written, read, block)
