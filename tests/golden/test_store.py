"""Freshness of recorded goldens, with fake recordings in a temporary store."""

from __future__ import annotations

import json

import numpy as np

from porter.golden import (
    case_hash,
    default_store,
    load,
    load_spec,
    make_inputs,
    resolve_case,
)
from porter.golden.store import FORMAT_VERSION, case_paths, entries, save, source_hash
from tests.golden.conftest import SAXPY_TOML


def _fake_record(spec, case, store, **changes):
    resolved = resolve_case(spec, case)
    inputs = make_inputs(resolved)
    provenance = {"format": FORMAT_VERSION, "source_sha256": source_hash(spec),
                  "case_sha256": case_hash(resolved), "gpu": {"name": "Fake GPU"},
                  "recorded_at": "2025-01-01T00:00:00Z", **changes}
    save(store, spec.name, case.name, inputs, {"y": inputs["y"] * 2}, provenance)


def _statuses(spec, store):
    return {(e.case, e.status, e.reason) for e in entries(spec, store)}


def test_default_store_is_beside_kernels(tmp_path):
    assert default_store(tmp_path / "golden" / "kernels" / "a.toml") == tmp_path / "golden" / "recorded"
    assert default_store(tmp_path / "mine" / "a.toml") == tmp_path / "mine" / "recorded"


def test_missing_then_fresh(specs, tmp_path):
    spec = load_spec(specs.write())
    store = tmp_path / "store"
    assert _statuses(spec, store) == {("n4096", "missing", ""), ("n1000", "missing", "")}
    _fake_record(spec, spec.cases[1], store)
    assert _statuses(spec, store) == {("n4096", "missing", ""), ("n1000", "fresh", "")}
    entry = next(e for e in entries(spec, store) if e.case == "n1000")
    assert entry.gpu == "Fake GPU"


def test_stale_when_the_source_changes(specs, tmp_path):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[0], tmp_path)
    spec.source.write_text(spec.source.read_text() + "// edited\n")
    assert ("n4096", "stale", "saxpy.cu changed") in _statuses(spec, tmp_path)


def test_stale_when_the_case_changes(specs, tmp_path):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[0], tmp_path)
    changed = load_spec(specs.write(toml=SAXPY_TOML.replace("a = 2.5", "a = 3.0")))
    assert ("n4096", "stale", "case changed in saxpy.toml") in _statuses(changed, tmp_path)


def test_stale_when_the_format_changes_or_the_file_is_broken(specs, tmp_path):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[0], tmp_path, format=FORMAT_VERSION - 1)
    _fake_record(spec, spec.cases[1], tmp_path)
    case_paths(tmp_path, spec.name, "n1000")[1].write_text("{ not json")
    statuses = {e.case: e.status for e in entries(spec, tmp_path)}
    assert statuses == {"n4096": "stale", "n1000": "stale"}


def test_orphans(specs, tmp_path):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[1], tmp_path)
    renamed = load_spec(specs.write(toml=SAXPY_TOML.replace('name = "n1000"', 'name = "n999"')))
    assert ("n1000", "orphan", "no such case in the spec") in _statuses(renamed, tmp_path)


def test_load_returns_inputs_outputs_and_provenance(specs, tmp_path):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[1], tmp_path)
    golden = load(tmp_path, "saxpy", "n1000")
    assert sorted(golden.inputs) == ["x", "y"]
    assert sorted(golden.outputs) == ["y"]
    assert np.array_equal(golden.outputs["y"], golden.inputs["y"] * 2)
    assert golden.provenance["gpu"]["name"] == "Fake GPU"
    assert json.loads(case_paths(tmp_path, "saxpy", "n1000")[1].read_text())["format"] == FORMAT_VERSION
