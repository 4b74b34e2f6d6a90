"""The tile backends' speed benchmark (benchmarks/bench_tile_translate.py): corpus and one measured row."""

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_tile_translate as bench  # noqa: E402


def test_golden_corpus_carries_template_instances():
    files = bench.corpus_files("golden", None, 0)
    assert len(files) == len(list((bench.ROOT / "golden" / "kernels").glob("*.toml")))
    assert dict((Path(path).stem, instances) for path, instances in files)["reduce_shared"] == ("reduce_sum<256>",)


def test_hecbench_sample_is_seeded(tmp_path):
    for name in "abcdefgh":
        (tmp_path / "src" / name).mkdir(parents=True)
        (tmp_path / "src" / name / "main.cu").write_text("__global__ void k() {}\n")
    first = bench.corpus_files("hecbench", 3, 1, tmp_path)
    assert len(first) == 3 and first == bench.corpus_files("hecbench", 3, 1, tmp_path)
    assert len(bench.corpus_files("hecbench", None, 1, tmp_path)) == 8
    with pytest.raises(SystemExit):
        bench.corpus_files("hecbench", None, 0, tmp_path / "missing")


def test_one_row_measures_every_line_in_a_fresh_process(tmp_path):
    (tmp_path / "src" / "a").mkdir(parents=True)
    (tmp_path / "src" / "a" / "main.cu").write_text(
        "__global__ void add(float* x, int n) {\n  int i = threadIdx.x;\n  if (i < n) x[i] += 1.0f;\n}\n")
    row = bench.measure("nki", "hecbench", None, 0, tmp_path)
    assert (row["files"], row["lines"], row["failures"]) == (1, 4, 0)
    assert row["cold_cpu"] > 0 and row["warm_cpu"] > 0
    assert "| nki | hecbench | 1 | 4 |" in bench.table([row])
