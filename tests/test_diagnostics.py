import tomllib
from pathlib import Path

import pytest

from porter.diagnostics import Severity, make
from porter.source import SourceFile


def test_render_like_a_compiler():
    source = SourceFile("k.cu", "int a;\n  asm(\"x\");\n")
    start = source.data.index(b"asm")
    diagnostic = make("P0220", "inline PTX `x` has no HIP equivalent", source.span(start, start + 3))
    text = diagnostic.render(source.text)
    assert text.splitlines()[0] == "k.cu:2:3: error[P0220]: inline PTX `x` has no HIP equivalent"
    assert text.splitlines()[2].endswith("^^^")
    assert "= hint:" in text


def test_catalogue_is_well_formed():
    catalogue = tomllib.loads((Path(__file__).parents[1] / "porter" / "diagnostic_catalogue.toml").read_text())
    for diag_id, entry in catalogue["diagnostic"].items():
        assert diag_id[0] == "P" and len(diag_id) == 5
        assert entry["severity"] in {s.name.lower() for s in Severity}
        assert entry["title"]


def test_unknown_id_is_an_internal_error():
    with pytest.raises(KeyError, match="internal error in porter"):
        make("P9999", "nope")


def test_json_has_the_fields_tools_rely_on():
    source = SourceFile("k.cu", "x\n")
    data = make("P0101", "m", source.span(0, 1)).to_json()
    assert {"id", "severity", "message", "span", "hint", "title"} <= set(data)
    assert data["severity"] == "warning" and data["span"]["line"] == 1


def test_long_lines_are_clipped_around_the_column():
    line = "x" * 3000 + "BAD" + "y" * 3000
    source = SourceFile("k.cu", line + "\n")
    start = line.index("BAD")
    text = make("P0101", "m", source.span(start, start + 3)).render(source.text)
    excerpt, caret = text.splitlines()[1:3]
    assert len(excerpt) < 140 and "BAD" in excerpt
    assert excerpt.index("BAD") == caret.index("^") and caret.count("^") == 3
