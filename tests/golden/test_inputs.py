from __future__ import annotations

import numpy as np

from porter.golden import load_spec, make_inputs, resolve_case
from porter.golden.dtypes import DTYPES, bf16_to_f32, f32_to_bf16, poison_array
from porter.golden.inputs import edge_values
from tests.golden.conftest import SAXPY_TOML

MIXED_TOML = """\
description = "every distribution"
category = "elementwise"

[buffers]
normal = { dtype = "float32", shape = "n", role = "in", init = "normal", mean = 5.0, std = 0.5 }
uniform = { dtype = "float16", shape = "n", role = "in", init = "uniform", low = 2.0, high = 3.0 }
ints = { dtype = "int32", shape = "n", role = "in", init = "randint", low = -3, high = "n // 100" }
ones = { dtype = "bfloat16", shape = "n", role = "in", init = "ones" }
full = { dtype = "float64", shape = "n", role = "in", init = "full", value = 7.5 }
ramp = { dtype = "int64", shape = "n", role = "in", init = "arange", start = 10, step = 3 }
edge = { dtype = "float32", shape = "n", role = "in", init = "edge" }
rows = { dtype = "int32", shape = "n + 1", role = "in", init = "offsets", low = 0, high = 5 }
out = { dtype = "float32", shape = ["n", 2], role = "out" }

[scalars]
n = "n"

[[launch]]
kernel = "k"
grid = 1
block = 32
args = ["normal", "uniform", "ints", "ones", "full", "ramp", "edge", "rows", "out", "n"]

[[case]]
name = "a"
sizes = { n = 1000 }

[[case]]
name = "b"
sizes = { n = 1000 }
seed = 1
"""

MIXED_CU = """\
#include <cuda_fp16.h>
#include <cuda_bf16.h>
__global__ void k(const float* a, const __half* b, const int* c, const __nv_bfloat16* d, const double* e,
                  const long long* f, const float* g, const int* h, float* out, int n) {}
"""


def _inputs(specs, case_index=0, toml=MIXED_TOML, cuda=MIXED_CU):
    spec = load_spec(specs.write("mixed", toml, cuda))
    return make_inputs(resolve_case(spec, spec.cases[case_index]))


def test_inputs_are_deterministic(specs):
    first, second = _inputs(specs), _inputs(specs)
    for name in first:
        assert first[name].tobytes() == second[name].tobytes(), name


def test_seed_and_case_change_the_random_buffers(specs):
    a, b = _inputs(specs, 0), _inputs(specs, 1)
    for name in ("normal", "uniform", "ints", "edge", "rows"):
        assert a[name].tobytes() != b[name].tobytes(), name
    for name in ("ones", "full", "ramp", "out"):
        assert a[name].tobytes() == b[name].tobytes(), name


def test_buffers_have_their_own_streams(specs):
    """Adding a buffer changes no other buffer's contents."""
    spec = load_spec(specs.write())
    x_before = make_inputs(resolve_case(spec, spec.cases[0]))["x"]
    toml = SAXPY_TOML.replace("[scalars]", 'z = { dtype = "float32", shape = "n", role = "in" }\n[scalars]')
    toml = toml.replace('args = ["n", "a", "x", "y"]', 'args = ["n", "a", "x", "y", "z"]')
    cuda = "__global__ void saxpy(int n, float a, const float* x, float* y, const float* z) {}\n"
    spec = load_spec(specs.write(toml=toml, cuda=cuda))
    assert make_inputs(resolve_case(spec, spec.cases[0]))["x"].tobytes() == x_before.tobytes()


def test_distributions(specs):
    values = _inputs(specs)
    assert values["normal"].dtype == np.float32 and abs(values["normal"].mean() - 5.0) < 0.1
    assert values["uniform"].dtype == np.float16 and values["uniform"].min() >= 2.0 and values["uniform"].max() <= 3.0
    assert values["ints"].min() >= -3 and values["ints"].max() < 10
    assert values["ones"].dtype == np.uint16 and (bf16_to_f32(values["ones"]) == 1.0).all()
    assert (values["full"] == 7.5).all()
    assert values["ramp"][:3].tolist() == [10, 13, 16]
    rows = values["rows"]
    assert rows[0] == 0 and (np.diff(rows) >= 0).all() and (np.diff(rows) < 5).all()
    assert values["out"].shape == (1000, 2)
    assert values["out"].tobytes() == poison_array("float32", 2000).tobytes()


def test_edge_values_are_all_present(specs):
    edge = _inputs(specs)["edge"]
    wanted = edge_values("float32").astype(np.float32)
    assert np.isin(wanted, edge).all()
    assert np.isinf(edge).sum() == 2
    assert (np.signbit(edge) & (edge == 0)).any()  # -0.0


def test_poison_is_a_nan_with_a_payload():
    for name, info in DTYPES.items():
        poison = poison_array(name, 3)
        assert poison.dtype == info.numpy
        if name in ("float16", "float32", "float64"):
            assert np.isnan(poison).all()
    assert np.isnan(bf16_to_f32(poison_array("bfloat16", 1))).all()


def test_bfloat16_rounds_to_nearest_even():
    values = np.array([1.0, 1.00390625, 1.01171875, -2.5, np.inf, 3.0e38], dtype=np.float32)
    bits = f32_to_bf16(values)
    assert bits.tolist() == [0x3F80, 0x3F80, 0x3F82, 0xC020, 0x7F80, 0x7F62]
    assert np.isnan(bf16_to_f32(f32_to_bf16(np.array([np.nan], dtype=np.float32)))).all()
