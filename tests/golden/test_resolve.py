"""Resolved cases and their hashes: the hash changes exactly when what gets recorded changes."""

from __future__ import annotations

import pytest

from porter.golden import case_hash, load_spec, resolve_case
from tests.golden.conftest import SAXPY_TOML


def _hashes(specs, toml=SAXPY_TOML):
    spec = load_spec(specs.write(toml=toml))
    return [case_hash(resolve_case(spec, case)) for case in spec.cases]


def test_resolves_expressions(specs):
    spec = load_spec(specs.write())
    case = resolve_case(spec, spec.cases[1])
    assert case.buffer("x").shape == (1000,)
    assert dict(case.scalars) == {"n": 1000, "a": 2.5}
    assert case.launches[0].grid == (4, 1, 1)
    assert case.launches[0].block == (256, 1, 1)
    assert case.buffer("y").init.params == (("low", -2.0), ("high", 2.0))


def test_hash_is_stable(specs):
    assert _hashes(specs) == _hashes(specs)
    assert len(set(_hashes(specs))) == 2


@pytest.mark.parametrize(("old", "new"), [
    ('grid = "cdiv(n, 256)"', 'grid = "cdiv(n, 128)"'),
    ("block = 256", "block = 128"),
    ("a = 2.5", "a = 3.5"),
    ("low = -2.0", "low = -1.0"),
    ('init = "normal"', 'init = "uniform"'),
    ("seed = 1", "seed = 2"),
    ('name = "n1000"', 'name = "n1000b"'),
])
def test_hash_changes_with_the_case(specs, old, new):
    assert old in SAXPY_TOML
    before = _hashes(specs)
    after = _hashes(specs, SAXPY_TOML.replace(old, new))
    assert before[1] != after[1]


@pytest.mark.parametrize(("old", "new"), [
    ('description = "y = a*x + y"', 'description = "another text"'),
    ('init = "normal" }', 'init = "normal", rtol = 0.1 }'),
    ('grid = "cdiv(n, 256)"', 'grid = "(n + 255) // 256"'),  # same value, another expression
])
def test_hash_ignores_what_does_not_change_the_recording(specs, old, new):
    assert _hashes(specs) == _hashes(specs, SAXPY_TOML.replace(old, new))
