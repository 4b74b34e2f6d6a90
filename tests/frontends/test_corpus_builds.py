"""Every kernel of the project's corpora builds to verified IR with both frontends and with
the automatic choice."""

from __future__ import annotations

import pytest

from porter.ir.verifier import verify
from tests.ir.helpers import auto, clang, corpus_files, short, treesitter

FILES = corpus_files()


@pytest.mark.parametrize("path", FILES, ids=short)
def test_builds_and_verifies(path):
    for module in (treesitter(path), clang(path)[0], auto(path)):
        problems = verify(module)
        assert not problems, "\n".join(p.render() for p in problems)
        text = path.read_text(encoding="utf-8")
        if "__global__" in text:
            assert module.kernels, f"{module.frontend}: no kernel found"


@pytest.mark.parametrize("path", FILES, ids=short)
def test_auto_covers_every_kernel(path):
    """What clang cannot parse comes from tree-sitter, so auto has every kernel tree-sitter has."""
    auto_names = {f.full_name for f in auto(path).functions}
    missing = {f.full_name for f in treesitter(path).kernels} - auto_names
    assert not missing


@pytest.mark.parametrize("path", FILES, ids=short)
def test_every_kernel_is_analysed(path):
    from porter.passes.summary import CATEGORIES, analyze_module

    result = analyze_module(auto(path))
    for summary in result.summaries.values():
        assert summary.category in CATEGORIES
        assert summary.render().startswith(f"kernel {summary.name}\n")
