"""Every analysis of every kernel of ``tests/corpus/ir``, against ``<kernel>.expected`` beside it.

The expected files document what each analysis says about each idiom (and about the negative
cases: a reduction that is not a tree, loops with thread-dependent trip counts, indices that
look affine but are not). ``PORTER_UPDATE_EXPECTED=1`` rewrites them after an intended change;
review the diff.
"""

from __future__ import annotations

import pytest

from porter.passes.summary import analyze_module
from tests.ir.helpers import auto, ir_corpus
from tests.ir.test_printer import check_expected

FILES = ir_corpus()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_analyses_expected(path):
    text = analyze_module(auto(path)).render_all()
    check_expected(text, path.with_suffix(".expected"))


def test_corpus_size():
    assert len(FILES) >= 30
