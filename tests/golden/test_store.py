"""Freshness and integrity of recorded goldens, with fake recordings in a temporary store."""

from __future__ import annotations

import hashlib
import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

from porter.golden import (
    case_hash,
    default_store,
    load,
    load_spec,
    make_inputs,
    resolve_case,
)
from porter.golden.errors import GoldenDataError
from porter.golden.store import FORMAT_VERSION, case_paths, entries, entry_for, rehash, save, source_hash
from tests.golden.conftest import SAXPY_TOML


def _fake_record(spec, case, store, **changes):
    resolved = resolve_case(spec, case)
    inputs = make_inputs(resolved)
    buffers = {b.name: {"dtype": b.dtype, "storage": str(inputs[b.name].dtype), "shape": list(b.shape),
                        "role": b.role} for b in resolved.buffers}
    provenance = {"format": FORMAT_VERSION, "source_sha256": source_hash(spec),
                  "case_sha256": case_hash(resolved), "gpu": {"name": "Fake GPU"}, "buffers": buffers,
                  "recorded_at": "2025-01-01T00:00:00Z", **changes}
    save(store, spec.name, case.name, inputs, {"y": inputs["y"] * 2}, provenance)


def _rewrite_npz(store, case, change, adopt_hash=False):
    """Rewrite a golden's npz as a valid npz with ``change(arrays)`` applied; optionally re-hash it."""
    npz_path, json_path = case_paths(store, "saxpy", case)
    with np.load(npz_path) as data:
        arrays = {key: data[key] for key in data.files}
    change(arrays)
    stream = io.BytesIO()
    np.savez_compressed(stream, **arrays)
    npz_path.write_bytes(stream.getvalue())
    if adopt_hash:
        provenance = json.loads(json_path.read_text())
        provenance["data_sha256"] = hashlib.sha256(stream.getvalue()).hexdigest()
        json_path.write_text(json.dumps(provenance))


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


def test_stale_when_the_format_changes_corrupt_when_the_file_is_broken(specs, tmp_path):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[0], tmp_path, format=FORMAT_VERSION - 1)
    _fake_record(spec, spec.cases[1], tmp_path)
    case_paths(tmp_path, spec.name, "n1000")[1].write_text("{ not json")
    found = {e.case: (e.status, e.reason) for e in entries(spec, tmp_path)}
    assert found["n4096"][0] == "stale"
    assert found["n1000"][0] == "corrupt" and "saxpy/n1000.json is not valid JSON" in found["n1000"][1]


def test_orphans(specs, tmp_path):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[1], tmp_path)
    renamed = load_spec(specs.write(toml=SAXPY_TOML.replace('name = "n1000"', 'name = "n999"')))
    assert ("n1000", "orphan", "no such case in the spec") in _statuses(renamed, tmp_path)


def test_load_returns_inputs_outputs_and_provenance(specs, tmp_path):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[1], tmp_path)
    for golden in (load(tmp_path, "saxpy", "n1000"),  # checked against the provenance's buffers
                   load(tmp_path, "saxpy", "n1000", resolve_case(spec, spec.cases[1]))):  # against the spec
        assert sorted(golden.inputs) == ["x", "y"]
    assert sorted(golden.outputs) == ["y"]
    assert np.array_equal(golden.outputs["y"], golden.inputs["y"] * 2)
    assert golden.provenance["gpu"]["name"] == "Fake GPU"
    assert json.loads(case_paths(tmp_path, "saxpy", "n1000")[1].read_text())["format"] == FORMAT_VERSION


def test_save_records_the_hash_of_the_bytes_it_wrote(specs, tmp_path):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[1], tmp_path)
    npz_path, json_path = case_paths(tmp_path, "saxpy", "n1000")
    provenance = json.loads(json_path.read_text())
    assert provenance["data_sha256"] == hashlib.sha256(npz_path.read_bytes()).hexdigest()
    assert provenance["format"] == FORMAT_VERSION == 1


def test_a_modified_npz_is_detected(specs, tmp_path):
    """A valid npz whose outputs were replaced by zeros no longer matches its hash."""
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[1], tmp_path)
    _rewrite_npz(tmp_path, "n1000", lambda arrays: arrays.update({"output/y": np.zeros_like(arrays["output/y"])}))
    with pytest.raises(GoldenDataError, match=r"saxpy/n1000.npz does not match its data hash") as caught:
        load(tmp_path, "saxpy", "n1000")
    assert caught.value.status == "corrupt"
    entry = entry_for(spec, spec.cases[1], tmp_path)
    assert entry.status == "corrupt" and "does not match its data hash" in entry.reason


@pytest.mark.parametrize(("change", "message"), [
    (lambda a: a.pop("output/y"), "has no array output/y"),
    (lambda a: a.update({"input/x": a["input/x"].astype(np.float64)}), "input/x is <f8, the spec says <f4"),
    (lambda a: a.update({"input/x": a["input/x"][:-1]}), r"input/x has shape \(999,\), the spec says \(1000,\)"),
    (lambda a: a.update({"extra": np.zeros(3)}), "holds arrays no buffer accounts for: extra"),
])
def test_arrays_are_checked_against_the_spec_even_when_the_hash_matches(specs, tmp_path, change, message):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[1], tmp_path)
    _rewrite_npz(tmp_path, "n1000", change, adopt_hash=True)
    with pytest.raises(GoldenDataError, match=message):
        load(tmp_path, "saxpy", "n1000", resolve_case(spec, spec.cases[1]))
    assert entry_for(spec, spec.cases[1], tmp_path).status == "corrupt"


def test_one_file_of_two_is_corrupt_not_missing(specs, tmp_path):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[0], tmp_path)
    _fake_record(spec, spec.cases[1], tmp_path)
    case_paths(tmp_path, "saxpy", "n4096")[0].unlink()
    case_paths(tmp_path, "saxpy", "n1000")[1].unlink()
    found = {e.case: (e.status, e.reason) for e in entries(spec, tmp_path)}
    assert found == {"n4096": ("corrupt", "saxpy/n4096.npz (the data) is missing"),
                     "n1000": ("corrupt", "saxpy/n1000.json (the provenance) is missing")}


def _drop_hash(store, case):
    json_path = case_paths(store, "saxpy", case)[1]
    provenance = json.loads(json_path.read_text())
    del provenance["data_sha256"]
    json_path.write_text(json.dumps(provenance, indent=1, sort_keys=True) + "\n")
    return json_path


def test_an_unhashed_golden_is_reported_then_rehashed(specs, tmp_path):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[1], tmp_path)
    npz_path = case_paths(tmp_path, "saxpy", "n1000")[0]
    json_path = _drop_hash(tmp_path, "n1000")
    before = json_path.read_text()
    entry = entry_for(spec, spec.cases[1], tmp_path)
    assert entry.status == "unhashed" and "no data hash" in entry.reason and "porter golden rehash" in entry.reason
    with pytest.raises(GoldenDataError, match="no data hash"):
        load(tmp_path, "saxpy", "n1000")
    assert rehash(spec, spec.cases[1], tmp_path) == ("hashed", "")
    after = json_path.read_text()
    digest = hashlib.sha256(npz_path.read_bytes()).hexdigest()
    assert json.loads(after)["data_sha256"] == digest
    assert set(after.splitlines()) - set(before.splitlines()) == {f' "data_sha256": "{digest}",'}
    assert entry_for(spec, spec.cases[1], tmp_path).status == "fresh"
    assert rehash(spec, spec.cases[1], tmp_path) == ("kept", "")
    assert rehash(spec, spec.cases[0], tmp_path) == ("missing", "")


def test_rehash_adopts_nothing_misshapen_changed_or_stale(specs, tmp_path):
    spec = load_spec(specs.write())
    _fake_record(spec, spec.cases[0], tmp_path)
    _fake_record(spec, spec.cases[1], tmp_path)
    _rewrite_npz(tmp_path, "n1000", lambda arrays: arrays.update({"input/x": arrays["input/x"][:10]}))
    _drop_hash(tmp_path, "n1000")  # unhashed and misshapen: corrupt, never adopted
    _rewrite_npz(tmp_path, "n4096", lambda arrays: arrays.update({"output/y": arrays["output/y"] + 1}))
    unchanged = {p: p.read_bytes() for p in (tmp_path / "saxpy").glob("*.json")}
    outcome, why = rehash(spec, spec.cases[1], tmp_path)
    assert outcome == "corrupt" and "input/x has shape (10,)" in why
    outcome, why = rehash(spec, spec.cases[0], tmp_path)
    assert outcome == "corrupt" and "does not match its data hash" in why
    assert all(p.read_bytes() == data for p, data in unchanged.items()) and len(unchanged) == 2
    spec.source.write_text(spec.source.read_text() + "// edited\n")
    assert rehash(spec, spec.cases[1], tmp_path)[0] == "stale"


def test_rehash_command(specs, tmp_path):
    from porter.cli.golden import golden

    spec_path = specs.write()
    spec = load_spec(spec_path)
    store = tmp_path / "store"
    _fake_record(spec, spec.cases[0], store)
    _fake_record(spec, spec.cases[1], store)
    _drop_hash(store, "n1000")
    runner = CliRunner()
    result = runner.invoke(golden, ["rehash", str(spec_path), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "1 hashed, 1 kept" in result.output
    assert {e.status for e in entries(spec, store)} == {"fresh"}
    case_paths(store, "saxpy", "n4096")[0].write_bytes(b"")
    result = runner.invoke(golden, ["rehash", str(spec_path), "--store", str(store)])
    assert result.exit_code == 1 and "saxpy/n4096.npz is empty (0 bytes)" in result.output
    listed = runner.invoke(golden, ["list", str(spec_path), "--store", str(store)])
    assert listed.exit_code == 0 and "corrupt" in listed.output and "1 corrupt, 1 fresh" in listed.output
