"""The generated launcher: its text, the plan format, and that it compiles with nvcc."""

from __future__ import annotations

import shutil
import struct

import numpy as np
import pytest

from porter.golden import corpus_dir, load_spec, make_inputs, resolve_case
from porter.golden.launcher import generate_launcher
from porter.golden.plan import OUTPUT_MAGIC, PlanFormatError, decode_output, encode_plan
from porter.golden.toolchain import compile_object, find_nvcc

needs_nvcc = pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not installed")


def test_launcher_casts_each_argument_from_the_signature(specs):
    text = generate_launcher(load_spec(specs.write()))
    assert f'#include "{specs.root / "saxpy.cu"}"' in text
    assert "static_cast<int>(plan.scalars[0].i)  /* n */" in text
    assert "static_cast<float>(plan.scalars[1].f)  /* a */" in text
    assert "reinterpret_cast<const float*>(plan.device[0])  /* x */" in text
    assert "reinterpret_cast<float*>(plan.device[1])  /* y */" in text
    assert "::saxpy<<<launch.grid, launch.block, launch.shared>>>" in text
    assert "constexpr unsigned BUFFERS = 2, SCALARS = 2, LAUNCHES = 1, SYMBOLS = 0;" in text


def test_half_scalars_and_templates():
    text = generate_launcher(load_spec(corpus_dir() / "half2_axpy.toml"))
    assert "__half(static_cast<float>(plan.scalars[1].f))  /* a */" in text
    text = generate_launcher(load_spec(corpus_dir() / "reduce_shared.toml"))
    assert "::reduce_sum<256><<<" in text
    assert text.count("static void launch_") == 2


def test_plan_round_trip(specs):
    spec = load_spec(specs.write())
    case = resolve_case(spec, spec.cases[1])
    inputs = make_inputs(case)
    plan = encode_plan(case, inputs)
    assert plan.startswith(b"PGPLAN02")
    buffers = b"".join(struct.pack("<Q", a.nbytes) + a.tobytes() for a in inputs.values())
    output = OUTPUT_MAGIC + struct.pack("<I", 2) + buffers
    decoded = decode_output(output, case, inputs)
    for name, value in inputs.items():
        assert decoded[name].dtype == value.dtype and np.array_equal(decoded[name], value)
    with pytest.raises(PlanFormatError, match="wrote 3 buffers, expected 2"):
        decode_output(OUTPUT_MAGIC + struct.pack("<I", 3) + buffers, case, inputs)
    with pytest.raises(PlanFormatError, match="unexpected bytes"):
        decode_output(output + b"x", case, inputs)
    with pytest.raises(PlanFormatError, match="magic"):
        decode_output(b"nonsense", case, inputs)


@needs_nvcc
@pytest.mark.parametrize("name", ["saxpy", "half2_axpy", "reduce_shared", "attention_naive", "rmsnorm"])
def test_corpus_launcher_compiles(tmp_path, name):
    source = tmp_path / f"{name}.launcher.cu"
    source.write_text(generate_launcher(load_spec(corpus_dir() / f"{name}.toml")))
    compile_object(find_nvcc(), source, tmp_path / f"{name}.o")
    assert (tmp_path / f"{name}.o").stat().st_size > 0
