"""Every `from porter... import name` in porter's sources names something that exists, including
imports inside functions on paths only a GPU machine runs (a refactor once left one behind)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [p for folder in ("porter", "backends", "frontends", "llm") for p in sorted((ROOT / folder).rglob("*.py"))]


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("porter"):
            yield node.module, [alias.name for alias in node.names], node.lineno


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imported_names_exist(path):
    for module_name, names, line in _imports(path):
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            if error.name and not error.name.startswith("porter"):
                continue  # an optional third-party package this machine lacks
            raise AssertionError(f"{path.name}:{line}: {module_name}: {error}") from error
        for name in names:
            if name == "*" or hasattr(module, name):
                continue
            try:
                importlib.import_module(f"{module_name}.{name}")
            except ImportError:
                raise AssertionError(f"{path.name}:{line}: {module_name} has no {name}") from None
