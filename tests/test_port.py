"""The tree-porting engine (porter.port): mirroring, copying, the manifest, failures kept to their file."""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
from pathlib import Path

import pytest

import porter
from porter import atomic
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
    assert set(failed) == {"binary.cu"}  # 8-bit text is ported byte for byte, not refused
    assert failed["binary.cu"].diagnostics[0]["id"] == "P0005"
    ported = (out / "kernels" / "latin1.cu").read_bytes()
    assert ported.startswith(b"// caf\xe9\n") and ported.count(b"\xe9") == 1 and b"hip_runtime.h" in ported
    assert not (out / "binary.cu").exists()
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
    (tree / "reduce.cu").write_bytes(b"\x7fELF\x00\x00 a binary")
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


# --- never losing or clobbering work: collisions, the journal, a full disk, orphaned workers ----


def test_colliding_py_outputs_keep_their_suffix_and_nothing_is_lost(tmp_path: Path):
    tree = tmp_path / "src"
    tree.mkdir()
    (tree / "k.cu").write_text("__global__ void from_cu(float* x) { x[threadIdx.x] = 1.0f; }\n")
    (tree / "k.cuh").write_text("__global__ void from_cuh(float* x) { x[threadIdx.x] = 2.0f; }\n")
    (tree / "k.py").write_text("print('my own python')\n")
    (tree / "other.cu").write_text("__global__ void alone(float* x) { x[threadIdx.x] = 3.0f; }\n")
    out = tmp_path / "out"
    run = port_tree(tree, out, "triton", jobs=1)
    by_path = {r.path: r for r in run.records}
    assert (out / "k.py").read_text() == "print('my own python')\n"  # the copy keeps its name
    assert "from_cu" in (out / "k_cu.py").read_text() and "from_cuh" in (out / "k_cuh.py").read_text()
    assert "alone" in (out / "other.py").read_text()  # no collision: the plain name
    assert (by_path["k.cu"].output, by_path["k.cuh"].output, by_path["k.py"].output) == ("k_cu.py", "k_cuh.py", None)
    assert by_path["k.cu"].diagnostics[0]["id"] == "P0044" and "k.cu, k.cuh and k.py" in by_path["k.cu"].reason
    report = json.loads((out / "report.json").read_text())
    assert {f["path"]: f["output"] for f in report["files"]}["k.cuh"] == "k_cuh.py"
    assert "`k.cu` -> `k_cu.py`" in (out / "report.md").read_text()
    again = port_tree(tree, out, "triton", jobs=1)  # the notes come back, once, on an up-to-date run
    assert {r.path: [d["id"] for d in r.diagnostics] for r in again.records}["k.cu"] == ["P0044"]
    assert set(statuses(again).values()) == {UP_TO_DATE}


def test_a_collision_that_renaming_cannot_resolve_fails_before_any_work(tmp_path: Path):
    tree = tmp_path / "src"
    tree.mkdir()
    (tree / "k.cu").write_text("__global__ void a(float* x) { x[0] = 1.0f; }\n")
    (tree / "k.py").write_text("# mine\n")
    (tree / "k_cu.py").write_text("# mine too\n")
    plan = plan_port(tree, tmp_path / "out", "triton")
    assert [t.path for t in plan.tasks] == ["k.py", "k_cu.py"]
    failed = next(r for r in plan.skipped if r.path == "k.cu")
    assert failed.status == FAILED and failed.diagnostics[0]["id"] == "P0043"
    run = execute(plan, 1)
    assert (tmp_path / "out" / "k_cu.py").read_text() == "# mine too\n" and not run.ok


def test_hip_outputs_never_collide(tree: Path, tmp_path: Path):
    (tree / "reduce.cuh").write_text("#pragma once\n")
    plan = plan_port(tree, tmp_path / "out", "hip")
    assert all(t.output == t.path and not t.notes for t in plan.tasks)


class _Killed(BaseException):
    """Stands in for a SIGKILL: nothing after it runs (the manifest is not saved)."""


def _die(*args) -> None:
    raise _Killed


def _kill_after(count: int):
    class KillAfter:
        done = 0

        def start(self, total: int) -> None:
            pass

        def advance(self, records) -> None:
            self.done += len(records)
            if self.done == count:
                raise _Killed

    return KillAfter()


def test_a_killed_run_resumes_from_its_journal(tree: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        patch.setattr(engine, "save_manifest", _die)  # killed before the end: nothing is folded
        with pytest.raises(_Killed):
            execute(plan_port(tree, out, "hip"), 1, _kill_after(3))
    assert not (out / MANIFEST_NAME).exists()
    with (out / engine.JOURNAL_NAME).open("ab") as journal:
        journal.write(b'{"format": 1, "path": "README.md", "ent')  # the last line, cut short by the kill
    (out / ".reduce.cu.a1b2c3d4.porter.tmp").write_text("half a file")  # left by a killed writer
    rerun = port_tree(tree, out, "hip", jobs=1)
    assert list(statuses(rerun).values()).count(UP_TO_DATE) == 3
    assert not (out / engine.JOURNAL_NAME).exists() and temporary_files(out) == []
    assert len(json.loads((out / MANIFEST_NAME).read_text())["files"]) == 7


def test_the_journal_records_each_file_as_it_finishes(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    seen = []

    class Watch:
        def start(self, total: int) -> None:
            pass

        def advance(self, records) -> None:
            seen.append(len(engine.read_journal(out / engine.JOURNAL_NAME)))

    execute(plan_port(tree, out, "hip"), 1, Watch())
    assert seen == [1, 2, 3, 4, 5, 6, 7]


def _disk_fills_after(monkeypatch, written: int, names: set[str] | None = None) -> None:
    """Make porter.atomic's writer raise ENOSPC for outputs after the first ``written`` ones (or
    for the outputs named in ``names``); porter's own files (manifest, reports) are spared."""
    real = atomic.write_atomic
    count = {"outputs": 0}

    def write_atomic(path, fill, mode=None):
        path = Path(path)
        if path.name in (MANIFEST_NAME, "report.json", "report.md"):
            return real(path, fill, mode)
        count["outputs"] += 1
        if (names is None and count["outputs"] > written) or (names is not None and path.name in names):
            def fill_until_full(stream):
                stream.write(b"partial")
                raise OSError(errno.ENOSPC, "No space left on device")

            return real(path, fill_until_full, mode)
        return real(path, fill, mode)

    monkeypatch.setattr(atomic, "write_atomic", write_atomic)


def test_a_full_disk_stops_the_run_and_keeps_what_was_written(tree: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        _disk_fills_after(patch, 3)
        run = port_tree(tree, out, "hip", jobs=1)
    assert run.stopped is not None and run.stopped["id"] == "P0042" and "disk full" in run.stopped["message"]
    assert not run.ok and run.not_started == 3
    assert [r.status for r in run.records].count(FAILED) == 1  # the file being written; no more were tried
    assert len(json.loads((out / MANIFEST_NAME).read_text())["files"]) == 3
    report = json.loads((out / "report.json").read_text())
    assert report["stopped"]["id"] == "P0042" and report["summary"]["not_started"] == 3
    assert "stopped early" in (out / "report.md").read_text()
    assert temporary_files(out) == []
    rerun = port_tree(tree, out, "hip", jobs=1)
    assert list(statuses(rerun).values()).count(UP_TO_DATE) == 3 and rerun.ok


def test_a_full_disk_stops_the_pool_too(tmp_path: Path, monkeypatch):
    tree = tmp_path / "src"
    for index in range(60):
        (tree / f"k{index:02d}.cu").parent.mkdir(exist_ok=True, parents=True)
        (tree / f"k{index:02d}.cu").write_text(KERNEL.replace("reduce", f"reduce{index}") + "//" * index)
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        _disk_fills_after(patch, 0, names={"k59.cu"})  # the largest file: in the first batch
        run = port_tree(tree, out, "hip", jobs=2)
    assert run.stopped is not None and run.stopped["id"] == "P0042"
    assert run.not_started > 0 and len(run.records) + run.not_started == 60
    written = {r.path for r in run.records if r.status != FAILED}
    assert set(json.loads((out / MANIFEST_NAME).read_text())["files"]) == written
    assert temporary_files(out) == []


def test_a_worker_whose_parent_is_gone_exits_at_once(tmp_path: Path):
    import subprocess
    import sys

    code = "from porter.port import die_with_parent; die_with_parent(1); print('still here')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "")  # exited on the check, silently


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_workers_ask_to_die_with_their_parent():
    calls = []
    assert engine.die_with_parent(os.getppid(), prctl=lambda *args: calls.append(args) or 0)
    assert calls == [(engine.PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers inherit the patch on Linux")
def test_a_worker_that_crashes_costs_only_its_file(tmp_path: Path, capsys, monkeypatch):
    """A file that kills the worker porting it (a segfault in a native library) is FAILED alone:
    every other file of the batch ports, byte-identical to a clean run, and the exit code is 1."""
    from tests.cli.trees import KERNEL, run_porter

    tree = tmp_path / "src"
    tree.mkdir()
    for index in range(20):
        (tree / f"k{index:02d}.cu").write_text(KERNEL.replace("reduce", f"reduce{index}") + "//" * index)
    clean = port_tree(tree, tmp_path / "clean", "hip", jobs=1)
    assert clean.ok
    real = engine._port_file

    def crash_on_k07(settings, task):
        if task.path == "k07.cu":
            import faulthandler

            faulthandler.disable()  # pytest's handler would print the worker's stack
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(settings, task)

    monkeypatch.setattr(engine, "_port_file", crash_on_k07)  # inherited by the forked workers
    out = tmp_path / "out"
    outcome = run_porter(["port", tree, "--to", "hip", "--out", out, "-j", "2"], capsys, monkeypatch)
    assert outcome.code == 1, outcome.err
    records = {r["path"]: r for r in json.loads((out / "report.json").read_text())["files"]}
    assert len(records) == 20
    culprit = records.pop("k07.cu")
    assert culprit["status"] == FAILED and culprit["diagnostics"][0]["id"] == "P0014"
    assert "signal 11" in culprit["diagnostics"][0]["message"]
    assert {r["status"] for r in records.values()} == {TRANSLATED}
    for name in records:
        assert (out / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name
    assert not (out / "k07.cu").exists()
    assert set(json.loads((out / MANIFEST_NAME).read_text())["files"]) == set(records)


# --- headers: a file is up to date only if everything it includes is -------------------------------


def _header_tree(root: Path) -> Path:
    files = {
        "types.h": "#pragma once\ntypedef float real;\n",
        "common.h": "#pragma once\n#include \"types.h\"\n__device__ inline real twice(real x) { return 2 * x; }\n",
        "a.cu": "#include \"common.h\"\n__global__ void a(real* x) { x[threadIdx.x] = twice(x[threadIdx.x]); }\n",
        "b.cu": "#include \"types.h\"\n__global__ void b(real* x) { x[threadIdx.x] = 0; }\n",
        "c.cu": "__global__ void c(float* x) { x[threadIdx.x] = 1; }\n",
        "sub/d.cu": "#  include \"../common.h\"\n__global__ void d(real* x) { x[0] = twice(1); }\n",
        "sys.cu": "#include <common.h>\n__global__ void s(float* x) { x[0] = 2; }\n",
        "later.cu": "#if 0\n#include \"later.h\"\n#endif\n__global__ void l(float* x) { x[0] = 3; }\n",
        "notes.txt": "not a source\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _reported(run) -> set[str]:
    return {path for path, status in statuses(run).items() if status != UP_TO_DATE}


def test_editing_a_header_re_ports_exactly_the_files_that_include_it(tmp_path: Path):
    src, out = _header_tree(tmp_path / "src"), tmp_path / "out"
    assert _reported(port_tree(src, out, "hip", jobs=1)) == set(statuses(port_tree(src, out, "hip", jobs=1)))
    assert _reported(port_tree(src, out, "hip", jobs=1)) == set()
    (src / "types.h").write_text("#pragma once\ntypedef double real;\n")  # included directly and through common.h
    assert _reported(port_tree(src, out, "hip", jobs=1)) == {"types.h", "common.h", "a.cu", "b.cu", "sub/d.cu"}
    (src / "common.h").write_text((src / "common.h").read_text() + "// edited\n")
    assert _reported(port_tree(src, out, "hip", jobs=2)) == {"common.h", "a.cu", "sub/d.cu"}
    assert _reported(port_tree(src, out, "hip", jobs=1)) == set()
    manifest = json.loads((out / MANIFEST_NAME).read_text())["files"]
    assert set(manifest["a.cu"]["includes"]) == {"common.h", "types.h"}
    assert manifest["sys.cu"]["includes"] == {} and manifest["later.cu"]["includes"] == {"later.h": None}


def test_deleting_or_adding_a_header_re_ports_its_includers(tmp_path: Path):
    src, out = _header_tree(tmp_path / "src"), tmp_path / "out"
    port_tree(src, out, "hip", jobs=1)
    (src / "common.h").unlink()
    assert _reported(port_tree(src, out, "hip", jobs=1)) == {"a.cu", "sub/d.cu"}
    (src / "later.h").write_text("#define LATER 1\n")  # an include that found no file now finds one
    assert _reported(port_tree(src, out, "hip", jobs=1)) == {"later.h", "later.cu"}
    assert _reported(port_tree(src, out, "hip", jobs=1)) == set()


def test_a_killed_run_journals_the_includes_too(tmp_path: Path, monkeypatch):
    """The journal of a killed run records what each file includes: the resumed run compares it."""
    src, out = _header_tree(tmp_path / "src"), tmp_path / "out"
    with monkeypatch.context() as patch:
        patch.setattr(engine, "save_manifest", _die)  # killed before the end: only the journal is left
        with pytest.raises(_Killed):
            execute(plan_port(src, out, "hip"), 1, _kill_after(9))
    assert not (out / MANIFEST_NAME).exists()
    (src / "types.h").write_text("#pragma once\ntypedef int real;\n")
    assert _reported(port_tree(src, out, "hip", jobs=1)) == {"types.h", "common.h", "a.cu", "b.cu", "sub/d.cu"}


def test_manifest_entries_without_includes_re_port_only_files_that_include(tmp_path: Path):
    """A manifest written before includes were recorded: files that include a header port once more."""
    src, out = _header_tree(tmp_path / "src"), tmp_path / "out"
    port_tree(src, out, "hip", jobs=1)
    document = json.loads((out / MANIFEST_NAME).read_text())
    for entry in document["files"].values():
        entry.pop("includes")
    (out / MANIFEST_NAME).write_text(json.dumps(document))
    assert _reported(port_tree(src, out, "hip", jobs=1)) == {"common.h", "a.cu", "b.cu", "sub/d.cu", "later.cu"}
    assert _reported(port_tree(src, out, "hip", jobs=1)) == set()
