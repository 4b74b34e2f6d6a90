"""The tree-porting engine (porter.port): mirroring, copying, the manifest, failures kept to their file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import porter
from porter import port as engine
from porter.port import (COPIED, FAILED, MANIFEST_NAME, SKIPPED, TRANSLATED, UNCHANGED, UP_TO_DATE, execute,
                         plan_port, port_tree, walk_tree)
from porter.source import InputError
from tests.cli.trees import DATA, KERNEL, PLAIN_HEADER, README, make_tree, temporary_files


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "src")


def statuses(run) -> dict[str, str]:
    return {record.path: record.status for record in run.records}


def test_mirrors_the_tree_translating_sources_and_copying_the_rest(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    run = port_tree(tree, out, "hip", jobs=1)
    assert statuses(run) == {
        "README.md": COPIED, "data/table.bin": COPIED, "reduce.cu": TRANSLATED, "common/util.cuh": TRANSLATED,
        "kernels/warp32.cu": TRANSLATED, "host/devices.cpp": TRANSLATED, "host/include/plain.h": UNCHANGED}
    assert run.ok
    assert (out / "reduce.cu").read_text() == porter.translate(KERNEL, "hip", name="reduce.cu").code
    assert "hipMalloc" in (out / "reduce.cu").read_text()
    assert (out / "README.md").read_text() == README
    assert (out / "data" / "table.bin").read_bytes() == DATA
    assert (out / "host" / "include" / "plain.h").read_bytes() == PLAIN_HEADER.encode()
    assert (out / "report.json").is_file() and (out / "report.md").is_file() and (out / MANIFEST_NAME).is_file()
    assert temporary_files(out) == []


def test_never_writes_into_the_source_tree(tree: Path, tmp_path: Path):
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    port_tree(tree, tmp_path / "out", "hip", jobs=1)
    assert {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()} == before


def test_records_carry_edits_lines_and_diagnostics(tree: Path, tmp_path: Path):
    run = port_tree(tree, tmp_path / "out", "hip", jobs=1)
    record = next(r for r in run.records if r.path == "kernels/warp32.cu")
    assert record.edits > 0 and sum(record.edits_by_rule.values()) == record.edits
    assert record.lines == 6
    diagnostic = next(d for d in record.diagnostics if d["id"] == "P0210")
    assert (diagnostic["file"], diagnostic["line"], diagnostic["severity"]) == ("kernels/warp32.cu", 4, "error")
    assert run.severities["error"] >= 1 and run.ok  # errors in the code do not fail the port
    assert run.lines == sum(r.lines for r in run.records)


def test_options_reach_the_backend(tree: Path, tmp_path: Path):
    port_tree(tree, tmp_path / "out", "hip", jobs=1, launch_syntax="ggl")
    assert "hipLaunchKernelGGL" in (tmp_path / "out" / "reduce.cu").read_text()


def test_second_run_skips_up_to_date_files(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    first = port_tree(tree, out, "hip", jobs=1)
    second = port_tree(tree, out, "hip", jobs=1)
    assert set(statuses(second).values()) == {UP_TO_DATE}
    by_path = {r.path: r for r in second.records}
    assert by_path["reduce.cu"].was == TRANSLATED and by_path["README.md"].was == COPIED
    # the report of a run that skipped everything still shows each file's edits and diagnostics
    assert [(r.edits, r.diagnostics) for r in second.records] == [(r.edits, r.diagnostics) for r in first.records]


def test_changes_are_ported_again(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    port_tree(tree, out, "hip", jobs=1)
    (tree / "reduce.cu").write_text(KERNEL + "\n// changed\n")
    (out / "README.md").write_text("edited by hand\n")  # an output that is no longer what porter wrote
    run = port_tree(tree, out, "hip", jobs=1)
    changed = {path for path, status in statuses(run).items() if status != UP_TO_DATE}
    assert changed == {"reduce.cu", "README.md"}
    assert (out / "README.md").read_text() == README


def test_other_options_or_force_port_everything_again(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    port_tree(tree, out, "hip", jobs=1)
    other = statuses(port_tree(tree, out, "hip", jobs=1, hip_version="5.2"))
    assert {p for p, s in other.items() if s == UP_TO_DATE} == {"README.md", "data/table.bin"}  # copies only
    forced = port_tree(tree, out, "hip", jobs=1, hip_version="5.2", force=True)
    assert UP_TO_DATE not in statuses(forced).values()


def test_a_corrupt_manifest_means_porting_everything(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    port_tree(tree, out, "hip", jobs=1)
    (out / MANIFEST_NAME).write_text("{not json")
    assert UP_TO_DATE not in statuses(port_tree(tree, out, "hip", jobs=1)).values()


def test_bad_files_fail_alone(tree: Path, tmp_path: Path):
    (tree / "binary.cu").write_bytes(b"\x7fELF\x00\x00\x01\x02" * 10)
    (tree / "kernels" / "latin1.cu").write_bytes("// caf\xe9\n__global__ void k() {}\n".encode("latin-1"))
    out = tmp_path / "out"
    run = port_tree(tree, out, "hip", jobs=1)
    failed = {r.path: r for r in run.records if r.status == FAILED}
    assert set(failed) == {"binary.cu", "kernels/latin1.cu"}
    assert failed["binary.cu"].diagnostics[0]["id"] == "P0005"
    assert failed["kernels/latin1.cu"].diagnostics[0]["id"] == "P0006"
    assert "not valid UTF-8" in failed["kernels/latin1.cu"].reason
    assert not (out / "binary.cu").exists() and not (out / "kernels" / "latin1.cu").exists()
    assert (out / "reduce.cu").is_file() and (out / "kernels" / "warp32.cu").is_file()
    assert not run.ok
    assert temporary_files(out) == []


def test_a_file_that_cannot_be_written_fails_alone(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    (out / "reduce.cu").mkdir(parents=True)  # a folder where the output file should go
    run = port_tree(tree, out, "hip", jobs=1)
    record = next(r for r in run.records if r.path == "reduce.cu")
    assert record.status == FAILED and record.diagnostics[0]["id"] == "P0008"
    assert (out / "common" / "util.cuh").is_file()
    assert temporary_files(out) == []


def test_an_internal_error_fails_its_file_only(tree: Path, tmp_path: Path, monkeypatch):
    backend, options = engine._backend("hip", ())

    class Exploding:
        def translate(self, source, opts):
            if source.name == "reduce.cu":
                raise RuntimeError("boom")
            return backend.translate(source, opts)

    monkeypatch.setattr(engine, "_backend", lambda target, items: (Exploding(), options))
    run = port_tree(tree, tmp_path / "out", "hip", jobs=1)
    record = next(r for r in run.records if r.path == "reduce.cu")
    assert record.status == FAILED and record.diagnostics[0]["id"] == "P0014"
    assert record.reason == "internal error in porter, please report: RuntimeError: boom"
    assert statuses(run)["common/util.cuh"] == TRANSLATED


def test_a_failure_removes_the_stale_output_of_an_earlier_run(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    port_tree(tree, out, "hip", jobs=1)
    (tree / "reduce.cu").write_bytes(b"\xff\xfe not utf-8")
    run = port_tree(tree, out, "hip", jobs=1)
    assert statuses(run)["reduce.cu"] == FAILED
    assert not (out / "reduce.cu").exists()
    assert "reduce.cu" not in json.loads((out / MANIFEST_NAME).read_text())["files"]


def test_empty_and_unparseable_sources_are_kept_unchanged_with_their_diagnostics(tree: Path, tmp_path: Path):
    (tree / "empty.cu").write_text("")
    (tree / "ops.inl").write_text("X(add, +)\nX(sub, -)\n")  # an X-macro list: valid only where included
    run = port_tree(tree, tmp_path / "out", "hip", jobs=1)
    by_path = {r.path: r for r in run.records}
    assert by_path["empty.cu"].status == UNCHANGED and by_path["empty.cu"].diagnostics[0]["id"] == "P0007"
    assert by_path["ops.inl"].status == UNCHANGED and by_path["ops.inl"].diagnostics[0]["id"] == "P0102"
    assert (tmp_path / "out" / "ops.inl").read_text() == "X(add, +)\nX(sub, -)\n"
    assert run.ok


def test_parallel_run_matches_the_serial_one(tree: Path, tmp_path: Path):
    (tree / "binary.cu").write_bytes(b"\x00\x01\x02")
    for index in range(12):
        (tree / "many" / f"k{index}.cu").parent.mkdir(exist_ok=True)
        (tree / "many" / f"k{index}.cu").write_text(KERNEL.replace("reduce", f"reduce{index}"))
    serial = port_tree(tree, tmp_path / "serial", "hip", jobs=1)
    parallel = port_tree(tree, tmp_path / "parallel", "hip", jobs=2)
    assert parallel.jobs == 2
    strip = lambda run: [(r.path, r.status, r.edits, r.diagnostics) for r in run.records]  # noqa: E731
    assert strip(parallel) == strip(serial)
    for record in serial.records:
        if record.status != FAILED:
            written = tmp_path / "parallel" / record.path
            assert written.read_bytes() == (tmp_path / "serial" / record.path).read_bytes()


def test_internal_errors_in_workers_come_back_as_records(tree: Path, tmp_path: Path, monkeypatch):
    def explode(settings, task):
        raise RuntimeError("worker bug")

    monkeypatch.setattr(engine, "_port_file", explode)  # inherited by the forked workers
    run = port_tree(tree, tmp_path / "out", "hip", jobs=2)
    assert set(statuses(run).values()) == {FAILED}
    assert all(r.diagnostics[0]["id"] == "P0014" for r in run.records)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_links_to_folders_and_outside_files_are_skipped(tree: Path, tmp_path: Path):
    outside = tmp_path / "elsewhere"
    (outside / "deep").mkdir(parents=True)
    (outside / "secret.cu").write_text("__global__ void s() {}\n")
    (tree / "linked_dir").symlink_to(outside, target_is_directory=True)
    (tree / "loop").symlink_to(tree, target_is_directory=True)
    (tree / "outside.cu").symlink_to(outside / "secret.cu")
    (tree / "inside.cu").symlink_to(tree / "reduce.cu")
    (tree / "broken.cu").symlink_to(tree / "missing.cu")
    run = port_tree(tree, tmp_path / "out", "hip", jobs=1)
    by_path = {r.path: r for r in run.records}
    for name in ("linked_dir", "loop", "outside.cu", "broken.cu"):
        assert by_path[name].status == SKIPPED and by_path[name].diagnostics[0]["id"] == "P0013"
    assert by_path["inside.cu"].status == TRANSLATED
    assert not (tmp_path / "out" / "linked_dir").exists()
    assert run.ok


def test_reserved_names_at_the_top_fail(tree: Path, tmp_path: Path):
    (tree / "report.md").write_text("# my notes\n")
    (tree / "docs").mkdir()
    (tree / "docs" / "report.md").write_text("# fine below the top\n")
    run = port_tree(tree, tmp_path / "out", "hip", jobs=1)
    assert statuses(run)["report.md"] == FAILED and statuses(run)["docs/report.md"] == COPIED
    assert next(r for r in run.records if r.path == "report.md").diagnostics[0]["id"] == "P0015"


def test_version_control_folders_are_not_copied(tree: Path, tmp_path: Path):
    (tree / ".git" / "objects").mkdir(parents=True)
    (tree / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    run = port_tree(tree, tmp_path / "out", "hip", jobs=1)
    assert statuses(run)[".git"] == SKIPPED and not (tmp_path / "out" / ".git").exists()


@pytest.mark.parametrize("where", ["same", "inside"])
def test_output_inside_the_source_tree_is_refused(tree: Path, where: str):
    out = tree if where == "same" else tree / "build" / "hip"
    with pytest.raises(InputError) as error:
        plan_port(tree, out, "hip")
    assert error.value.diag_id == "P0011"
    assert not (tree / "build").exists()


def test_source_inside_the_output_is_refused(tree: Path):
    with pytest.raises(InputError) as error:
        plan_port(tree, tree.parent, "hip")
    assert error.value.diag_id == "P0009"


def test_bad_paths_are_input_errors(tmp_path: Path, tree: Path):
    cases = {"P0001": (tmp_path / "missing", tmp_path / "o1"), "P0012": (tree / "reduce.cu", tmp_path / "o2"),
             "P0008": (tree, tree.parent / "afile" / "sub")}
    (tree.parent / "afile").write_text("a file, not a folder\n")
    for diag_id, (source, out) in cases.items():
        with pytest.raises(InputError) as error:
            plan_port(source, out, "hip")
        assert error.value.diag_id == diag_id


def test_bad_options_fail_before_any_work(tree: Path, tmp_path: Path):
    with pytest.raises(ValueError, match="offload-arch"):
        plan_port(tree, tmp_path / "out", "hip", offload_arch="gfx1")
    with pytest.raises(TypeError, match="no option"):
        plan_port(tree, tmp_path / "out", "hip", colour="blue")
    assert not (tmp_path / "out").exists()


def test_walk_tree_lists_files_in_order_with_kinds(tree: Path):
    tasks, skipped = walk_tree(tree)
    assert skipped == []
    assert {t.path: t.kind for t in tasks} == {
        "README.md": "other", "data/table.bin": "other", "reduce.cu": "source", "common/util.cuh": "source",
        "kernels/warp32.cu": "source", "host/devices.cpp": "source", "host/include/plain.h": "source"}


def test_records_are_picklable(tree: Path, tmp_path: Path):
    import pickle

    run = port_tree(tree, tmp_path / "out", "hip", jobs=1)
    assert pickle.loads(pickle.dumps(run.records)) == run.records


def test_an_interrupted_run_keeps_what_it_finished(tree: Path, tmp_path: Path):
    class InterruptAfterThree:
        done = 0

        def start(self, total: int) -> None:
            pass

        def advance(self, records) -> None:
            self.done += len(records)
            if self.done == 3:
                raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        execute(plan_port(tree, out, "hip"), 1, InterruptAfterThree())
    assert len(json.loads((out / MANIFEST_NAME).read_text())["files"]) == 3
    assert list(statuses(port_tree(tree, out, "hip", jobs=1)).values()).count(UP_TO_DATE) == 3
