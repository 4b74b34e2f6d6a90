"""Nodes are immutable and hashed by identity; walks and rewrites see every node once."""

from __future__ import annotations

import dataclasses

import pytest

from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.walk import parents, rewrite, walk, walk_exprs, walk_stmts
from tests.ir.helpers import build_text

KERNEL = "__global__ void k(float* a, int n) { for (int i = 0; i < n; i++) { if (i > 1) a[i] = a[i - 1]; } }"


def body():
    return build_text(KERNEL).kernels[0].body


def test_nodes_are_frozen_and_hash_by_identity():
    b = body()
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.body = ()
    store = next(n for n in walk(b) if isinstance(n, N.Store))
    twin = store.replace()
    assert twin is not store and twin != store and len({store, twin}) == 2
    assert store.GROUP == N.MEMORY


def test_walks_in_source_order():
    kinds = [type(n).__name__ for n in walk_stmts(body())]
    assert kinds == ["Block", "For", "Decl", "Assign", "Block", "If", "Block", "Store"]  # i++ before the body
    names = [n.name for n in walk_exprs(body()) if isinstance(n, N.Var)]
    assert names == ["i", "n", "i", "i", "a", "i", "a", "i"]


def test_parents():
    b = body()
    table = parents(b)
    store = next(n for n in walk(b) if isinstance(n, N.Store))
    assert isinstance(table[store], N.Block) and isinstance(table[table[store]], N.If)


def test_rewrite_rebuilds_only_what_changes():
    b = body()

    def double_constants(node):
        if isinstance(node, N.Const) and node.value == 1:
            return node.replace(value=2)
        return None

    new = rewrite(b, double_constants)
    assert new is not b
    values = sorted(n.value for n in walk(new) if isinstance(n, N.Const))
    assert values == [0, 2, 2, 2]
    loop_init = new.body[0].init
    assert loop_init is b.body[0].init  # untouched subtrees are shared
    assert all(n.type == T.I32 for n in walk(new) if isinstance(n, N.Const))
