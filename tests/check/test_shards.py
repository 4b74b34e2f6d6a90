"""``--shard K/N`` on porter check and porter port, and ``porter check merge``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from porter.check.run import DEFAULT_PATHS
from porter.check.shards import select
from porter.golden.record import selected_cases
from porter.golden.spec import discover, load_spec
from porter.shard import Shard, bucket, split
from tests.cli.trees import make_tree, run_porter

KERNELS = Path(__file__).resolve().parents[2] / "golden" / "kernels"
SPECS = [KERNELS / f"{name}.toml" for name in ("saxpy", "relu", "adam")]


def shard_cases(n: int, paths=()) -> list[list[str]]:
    specs = [load_spec(p) for p in discover(list(paths) or DEFAULT_PATHS)]
    shards = []
    for k in range(1, n + 1):
        selection = select(list(paths), DEFAULT_PATHS, ("hip",), None, Shard(k, n))
        shards.append([f"{s.name}/{c.name}" for s in specs for c in selected_cases(s, None) if selection.keep(s, c)])
    return shards


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_shards_cover_every_case_of_the_corpus_exactly_once(n):
    shards = shard_cases(n)
    every = list(select((), DEFAULT_PATHS, ("hip",), None, None).cases)
    assert sorted(case for shard in shards for case in shard) == sorted(every)
    assert len(every) > 40
    if n > 1:
        assert sum(1 for shard in shards if shard) > 1  # the split actually splits


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), unique=True, max_size=60), st.integers(1, 9))
def test_split_is_a_partition_that_does_not_depend_on_position(keys, n):
    shards = split(keys, n)
    assert sorted(k for shard in shards for k in shard) == sorted(keys)
    assert split(list(reversed(keys)), n) == [list(reversed(s)) for s in shards]
    for number, shard in enumerate(shards, start=1):
        assert all(Shard(number, n).holds(key) for key in shard)


def test_adding_a_kernel_moves_no_other_case():
    assert [bucket(key, 4) for key in ("a.toml::n1", "b.toml::n2")] == \
        [bucket(key, 4) for key in ("a.toml::n1", "b.toml::n2", "c.toml::n3")][:2]


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", "-1/2"])
def test_bad_shards_are_usage_errors(text, capsys, monkeypatch):
    outcome = run_porter(["check", str(SPECS[0]), "--backend", "nki", "--shard", text], capsys, monkeypatch)
    assert outcome.code == 2 and "--shard" in outcome.err


def normalise(junit: str) -> str:
    return re.sub(r' time="[^"]*"', "", junit)


def test_merged_shards_equal_the_unsharded_run(tmp_path, capsys, monkeypatch):
    common = [*map(str, SPECS), "--backend", "nki", "--build-dir", str(tmp_path / "build")]
    whole = run_porter(["check", *common, "--format", "junit", "-o", tmp_path / "all.xml",
                        "--json", tmp_path / "all.json"], capsys, monkeypatch)
    assert whole.code == 0, whole.err
    shards = []
    for k in (1, 2, 3):
        path = tmp_path / f"shard-{k}.json"
        assert run_porter(["check", *common, "--shard", f"{k}/3", "--format", "json", "-o", path],
                          capsys, monkeypatch).code == 0
        shards.append(path)
    counts = [len(json.loads(p.read_text())["records"]) for p in shards]
    assert sum(counts) == len(json.loads((tmp_path / "all.json").read_text())["records"]) and max(counts) < sum(counts)
    merged = run_porter(["check", "merge", tmp_path / "merged.xml", *reversed(shards), "--json", tmp_path / "m.json"],
                        capsys, monkeypatch)
    assert merged.code == 0, merged.err
    assert normalise((tmp_path / "merged.xml").read_text()) == normalise((tmp_path / "all.xml").read_text())
    unsharded, joined = (json.loads((tmp_path / name).read_text()) for name in ("all.json", "m.json"))
    for document in (unsharded, joined):
        for record in document["records"]:
            record["seconds"] = 0
    assert joined == unsharded


def test_merge_refuses_missing_twice_foreign_and_non_reports(tmp_path, capsys, monkeypatch):
    def report(name: str, shard: str | None, cases: list[str]) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps({"summary": {}, "machine": {}, "records": [],
                                    "selection": {"shard": shard, "backends": ["nki"], "cases": cases}}))
        return path

    one, two = report("1.json", "1/2", ["k/a", "k/b"]), report("2.json", "2/2", ["k/a", "k/b"])
    other = report("o.json", "2/2", ["k/a"])
    (tmp_path / "x.json").write_text("<testsuites/>")
    for files, diag in (([one], "P0093"), ([one, one], "P0093"), ([one, other], "P0092"),
                        ([one, tmp_path / "x.json"], "P0091")):
        outcome = run_porter(["check", "merge", tmp_path / "out.xml", *files], capsys, monkeypatch)
        assert outcome.code == 2 and f"error[{diag}]" in outcome.err, (files, outcome.err)
    assert run_porter(["check", "merge", tmp_path / "out.xml", one, two], capsys, monkeypatch).code == 0
    assert not (tmp_path / "out.xml").read_text().count("<testcase")


def test_port_shards_port_every_file_once(tmp_path, capsys, monkeypatch):
    source = make_tree(tmp_path / "src")
    assert run_porter(["port", source, "--to", "hip", "--out", tmp_path / "all", "-j", "1"],
                      capsys, monkeypatch).code == 0
    every = {f["path"] for f in json.loads((tmp_path / "all" / "report.json").read_text())["files"]}
    seen: list[str] = []
    for k in (1, 2, 3):
        out = tmp_path / f"out-{k}"
        assert run_porter(["port", source, "--to", "hip", "--out", out, "-j", "1", "--shard", f"{k}/3"],
                          capsys, monkeypatch).code == 0
        seen += [f["path"] for f in json.loads((out / "report.json").read_text())["files"]]
        for path in seen[-1:]:
            assert (out / path).exists()
    assert sorted(seen) == sorted(every) and len(every) >= 6
