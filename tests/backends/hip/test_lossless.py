"""What the HIP rewrite must never do: touch comments or string literals, lose an #if branch, or
let a CUDA name through without a word."""

import pytest

from porter.backends.hip.tables import name_tables, porter_table
from porter.frontends.treesitter import CudaSyntax, enclosing, iter_name_leaves, tokens
from tests.backends.hip.corpus import CONFIGS, corpus_files, translated

_TEXT_TOKENS = {"comment", "string_literal", "raw_string_literal", "char_literal"}


def _comments_and_strings(code: str) -> list[str]:
    syntax = CudaSyntax.parse(code.encode())
    found = []
    for token in tokens(syntax.root):
        if token.type not in _TEXT_TOKENS:
            continue
        if enclosing(token, {"preproc_include", "gnu_asm_expression"}) is not None:
            continue  # include paths and PTX templates are what the rewrite is for
        found.append(token.text.decode())
    return found


def _is_subsequence(needles: list[str], haystack: list[str]) -> bool:
    iterator = iter(haystack)
    return all(any(n == h for h in iterator) for n in needles)


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_comments_and_strings_byte_identical(path, config):
    result = translated(path.name, config)
    before = _comments_and_strings(result.source.text)
    after = _comments_and_strings(result.code)
    # porter may add its own helper (with a comment); every original one survives, in order.
    assert _is_subsequence(before, after)


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_no_cuda_name_survives_silently(path, config):
    """In every #if branch and macro body, any CUDA name left in the output has a diagnostic."""
    result = translated(path.name, config)
    renames = porter_table()["renames"]
    cuda_names = set(name_tables().names) | {k for k, v in renames.items() if "hip" in v and "until" not in v}
    identical = {k for k, v in name_tables().names.items() if k == v} | \
        {k for k, v in renames.items() if v.get("hip") == k}
    reported_lines = {d.span.line for d in result.diagnostics if d.span}
    syntax = CudaSyntax.parse(result.code.encode())
    survivors = []
    for region in syntax.regions():
        for leaf in iter_name_leaves(region.root):
            name = region.text(leaf)
            if name in cuda_names and name not in identical and leaf.type in ("identifier", "type_identifier"):
                survivors.append((name, leaf.start_point[0] + 1))
    if not survivors:
        return
    # Lines in the output shift when headers or helpers are inserted; match by name in the source.
    source_lines = result.source.text.splitlines()
    unexplained = [(name, line) for name, line in survivors
                   if not any(name in source_lines[r - 1] for r in reported_lines if 0 < r <= len(source_lines))]
    assert not unexplained, f"CUDA names left without a diagnostic: {unexplained}"


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_inactive_branches_translated(path):
    """Every branch of every #if is rewritten, not just the one a compiler would see."""
    result = translated(path.name, "gfx90a-hip5.2")
    syntax = CudaSyntax.parse(result.code.encode())
    from porter.frontends.treesitter import iter_nodes

    for branch in iter_nodes(syntax.root, {"preproc_else", "preproc_elif"}):
        text = branch.text.decode()
        for name in ("cudaMalloc(", "cudaMemcpy(", "cudaFree(", "cudaDeviceSynchronize(", "__shfl_down_sync("):
            if name in text:
                assert any(d.span and d.id.startswith("P02") for d in result.diagnostics), \
                    f"{name} left in an #else branch of {path.name}"


def test_file_without_cuda_is_byte_identical(tmp_path):
    import porter

    source = "// plain C++\n#include <vector>\nint add(int a, int b) { return a + b; }\n"
    result = porter.translate(source, "hip")
    assert result.code == source and not result.edits and not result.diagnostics
