"""The recording path without a GPU: a Python stand-in for the compiled launcher reads the plan,
'runs' saxpy and writes the buffers back, so plans, checks and storage are exercised for real."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from porter.golden import load, load_spec
from porter.golden.errors import ToolchainError
from porter.golden.record import Recorder, record_all, selected_cases
from porter.golden.store import entries
from porter.golden.toolchain import Gpu, Toolchain
from tests.golden.conftest import SAXPY_TOML

FAKE_LAUNCHER = textwrap.dedent('''\
    import os, struct, sys
    import numpy as np

    data = open(sys.argv[1], "rb").read()
    offset, buffers = 8, []
    (count,) = struct.unpack_from("<I", data, offset); offset += 4
    for _ in range(count):
        item, n = struct.unpack_from("<IQ", data, offset); offset += 12
        buffers.append(bytearray(data[offset:offset + item * n])); offset += item * n
    (count,) = struct.unpack_from("<I", data, offset); offset += 4
    scalars = [struct.unpack_from("<qd", data, offset + 16 * k) for k in range(count)]
    x, y = (np.frombuffer(b, np.float32).copy() for b in buffers)
    mode = os.environ.get("FAKE_MODE", "saxpy")
    if mode == "crash":
        sys.stderr.write("launcher: launch[0] saxpy: an illegal memory access was encountered\\n")
        sys.exit(3)
    n, a = scalars[0][0], scalars[1][1]
    y[:n] = a * x[:n] + y[:n]
    if mode == "clobber":
        x[0] += 1
    if mode == "lazy":
        y[:] = np.frombuffer(bytes.fromhex("a5a5c57f") * len(y), np.float32)
    out = [x.tobytes(), y.tobytes()]
    with open(sys.argv[2], "wb") as f:
        f.write(b"PGOUTP01" + struct.pack("<I", 2))
        for b in out:
            f.write(struct.pack("<Q", len(b)) + b)
    ''')


@pytest.fixture
def recorder(tmp_path: Path) -> Recorder:
    return Recorder(Toolchain(Path("/nonexistent/nvcc"), "0.0"), Gpu("Fake GPU", "1.0", "9.0"),
                    store=tmp_path / "store", build_dir=tmp_path / "build")


@pytest.fixture
def launcher(tmp_path: Path) -> Path:
    script = tmp_path / "fake_launcher.py"
    script.write_text(FAKE_LAUNCHER)
    binary = tmp_path / "fake_launcher"
    binary.write_text(f"#!/bin/sh\nexec {sys.executable} {script} \"$@\"\n")
    binary.chmod(0o755)
    (tmp_path / "build").mkdir()
    return binary


def test_records_inputs_outputs_and_provenance(specs, recorder, launcher):
    spec = load_spec(specs.write())
    outcome = recorder.record_case(spec, spec.cases[1], launcher, "sm_90")
    assert outcome.status == "recorded", outcome.message
    golden = load(recorder.store, "saxpy", "n1000")
    expected = np.float32(2.5) * golden.inputs["x"] + golden.inputs["y"]
    np.testing.assert_array_equal(golden.outputs["y"], expected)
    provenance = golden.provenance
    assert provenance["gpu"]["name"] == "Fake GPU"
    assert provenance["nvcc"] == {"version": "0.0", "flags": ["-O2", "-std=c++17", "-arch=sm_90"]}
    assert provenance["buffers"]["y"] == {"dtype": "float32", "storage": "float32", "shape": [1000], "role": "inout"}
    assert provenance["resolved"]["scalars"] == [["n", 1000], ["a", 2.5]]
    for key in ("source_sha256", "case_sha256", "recorded_at", "porter_version", "numpy_version"):
        assert provenance[key]
    assert {e.case: e.status for e in entries(spec, recorder.store)} == {"n4096": "missing", "n1000": "fresh"}


@pytest.mark.parametrize(("mode", "toml", "message"), [
    ("crash", SAXPY_TOML, "illegal memory access"),
    ("clobber", SAXPY_TOML, "buffer 'x' has role 'in' but the kernels changed 1 of its elements"),
    ("lazy", SAXPY_TOML.replace('role = "inout", init = "uniform", low = -2.0, high = 2.0', 'role = "out"'),
     "buffer 'y': 1000 of 1000 elements were never written"),
])
def test_bad_runs_fail_and_store_nothing(specs, recorder, launcher, monkeypatch, mode, toml, message):
    monkeypatch.setenv("FAKE_MODE", mode)
    spec = load_spec(specs.write(toml=toml))
    outcome = recorder.record_case(spec, spec.cases[1], launcher, "sm_90")
    assert outcome.status == "failed"
    assert message in outcome.message
    assert not (recorder.store / "saxpy").exists()


def test_record_all_reports_compile_failures_per_case(specs, recorder, monkeypatch):
    spec = load_spec(specs.write())

    def broken(self, spec):
        raise ToolchainError("nvcc failed on saxpy.launcher.cu: error: expected a ';'")

    monkeypatch.setattr(Recorder, "compile", broken)
    seen = []
    outcomes = record_all(recorder, [spec], on_outcome=seen.append)
    assert [(o.case, o.status) for o in outcomes] == [("n4096", "failed"), ("n1000", "failed")]
    assert "expected a ';'" in outcomes[0].message
    assert seen == outcomes


def test_record_all_runs_selected_cases(specs, recorder, launcher, monkeypatch):
    spec = load_spec(specs.write())
    monkeypatch.setattr(Recorder, "compile", lambda self, spec: (launcher, "sm_90"))
    outcomes = record_all(recorder, [spec], case_glob="saxpy/n1*")
    assert [(o.case, o.status) for o in outcomes] == [("n1000", "recorded")]
    written = json.loads((recorder.store / "saxpy" / "n1000.json").read_text())
    assert written["case"] == "n1000"


def test_selected_cases(specs):
    spec = load_spec(specs.write())
    assert [c.name for c in selected_cases(spec, None)] == ["n4096", "n1000"]
    assert [c.name for c in selected_cases(spec, "n1*")] == ["n1000"]
    assert [c.name for c in selected_cases(spec, "saxpy/*")] == ["n4096", "n1000"]
    assert selected_cases(spec, "other/*") == []
