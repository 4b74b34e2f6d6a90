"""Shared by the IR, frontend and pass tests: the CUDA corpora and a cache of built modules."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from porter.frontends import clang_ir, ts_ir
from porter.frontends.ir_frontend import build_ir

from porter.ir.module import Module
from porter.source import SourceFile, load_source, read_source_file

ROOT = Path(__file__).resolve().parents[2]
IR_CORPUS = ROOT / "tests" / "corpus" / "ir"
CORPORA = (ROOT / "golden" / "kernels", ROOT / "tests" / "corpus" / "hip", IR_CORPUS)


def corpus_files() -> list[Path]:
    """Every CUDA file of the project's corpora (others add to them; this reads what is there)."""
    return sorted(p for folder in CORPORA if folder.is_dir() for p in folder.glob("*.cu"))


def ir_corpus() -> list[Path]:
    return sorted(IR_CORPUS.glob("*.cu"))


@cache
def source(path: Path) -> SourceFile:
    return read_source_file(path)


@cache
def treesitter(path: Path) -> Module:
    return ts_ir.build_module(source(path))


@cache
def clang(path: Path) -> tuple[Module, tuple[tuple[int, str], ...]]:
    module, errors = clang_ir.build_with_errors(source(path))
    return module, tuple(errors)


@cache
def auto(path: Path) -> Module:
    return build_ir(source(path))


def build_text(text: str, frontend: str = "treesitter") -> Module:
    return build_ir(load_source(text, name="k.cu"), frontend)


def short(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"
