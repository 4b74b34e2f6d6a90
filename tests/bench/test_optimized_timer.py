"""The LLM-optimized Triton timer finds the kept modules by golden kernel name (no GPU needed)."""

from __future__ import annotations

from porter.bench.python_timers import OptimizedTritonTimer
from porter.bench.timers import OK, UNAVAILABLE
from porter.golden import corpus_dir, load_spec


def test_without_a_folder_it_says_how_to_give_one():
    assert "--optimized" in OptimizedTritonTimer().unavailable(None)


def test_kept_module_by_kernel_name(tmp_path):
    spec = load_spec(corpus_dir() / "saxpy.toml")
    timer = OptimizedTritonTimer(tmp_path)
    code, status, detail = timer.source(spec)
    assert code is None and status == UNAVAILABLE and "porter optimize saxpy.cu" in detail
    (tmp_path / "saxpy.py").write_text("KERNELS = {}\n")
    assert timer.source(spec) == ("KERNELS = {}\n", OK, "")


def test_a_missing_folder_is_named(tmp_path):
    assert str(tmp_path / "nope") in OptimizedTritonTimer(tmp_path / "nope").unavailable(None)
