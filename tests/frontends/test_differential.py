"""The two frontends build the same IR wherever both parse: printed with every expression's
type, each function must read the same. Functions clang reports errors in (a header porter
does not read, cooperative groups...) are compared only for presence."""

from __future__ import annotations

import difflib

import pytest

from porter.ir.printer import print_function
from tests.ir.helpers import clang, corpus_files, short, treesitter

FILES = corpus_files()


def _clean(fn, errors) -> bool:
    return not any(fn.span.start <= offset < fn.span.end for offset, _ in errors)


@pytest.mark.parametrize("path", FILES, ids=short)
def test_frontends_agree(path):
    ts_module = treesitter(path)
    clang_module, errors = clang(path)
    ts_functions = {(f.full_name, f.span.start): f for f in ts_module.functions}
    clang_functions = {(f.full_name, f.span.start): f for f in clang_module.functions}
    for key, fn in clang_functions.items():
        if not _clean(fn, errors):
            continue
        assert key in ts_functions, f"tree-sitter has no {key[0]}"
        expected = print_function(fn, types=True)
        actual = print_function(ts_functions[key], types=True)
        if expected != actual:
            diff = "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(), "clang",
                                                  "treesitter", lineterm=""))
            pytest.fail(f"{key[0]} differs:\n{diff}")
    for key, fn in ts_functions.items():
        if key not in clang_functions:
            assert any(fn.span.start <= offset < fn.span.end for offset, _ in errors), \
                f"clang has no {key[0]} and reported no error in it"


def test_corpora_are_there():
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=short)
def test_globals_and_launches_agree(path):
    """Where clang reported no error in a global's or a launch's statement, both frontends
    read it the same."""
    ts_module = treesitter(path)
    clang_module, errors = clang(path)

    def clean(item) -> bool:
        return not any(item.span.start <= offset < item.span.end for offset, _ in errors)

    globals_ = [(g.name, g.space, str(g.type)) for g in clang_module.globals if clean(g)]
    assert globals_ == [(g.name, g.space, str(g.type)) for g in ts_module.globals if clean(g)]
    launches = [(x.kernel, x.template_args, x.config) for x in clang_module.launches if clean(x)]
    assert launches == [(x.kernel, x.template_args, x.config) for x in ts_module.launches if clean(x)]
