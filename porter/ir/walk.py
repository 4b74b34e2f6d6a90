"""Generic walks over IR nodes: pre-order iteration, parents, and bottom-up rewriting."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from porter.ir.nodes import Expr, Node, Stmt


def walk(root: Node | None) -> Iterator[Node]:
    """Every node under ``root`` (included), pre-order, in source order."""
    if root is None:
        return
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children()))


def walk_exprs(root: Node | None) -> Iterator[Expr]:
    return (n for n in walk(root) if isinstance(n, Expr))


def walk_stmts(root: Node | None) -> Iterator[Stmt]:
    return (n for n in walk(root) if isinstance(n, Stmt))


def parents(root: Node) -> dict[Node, Node]:
    """Child -> parent for every node under ``root``."""
    found: dict[Node, Node] = {}
    for node in walk(root):
        for child in node.children():
            found[child] = node
    return found


def rewrite(node: Node, fn: Callable[[Node], Node | None]) -> Node:
    """Rebuild ``node`` bottom-up; ``fn`` returns a replacement for a (rebuilt) node, or None.

    Nodes whose children did not change and that ``fn`` leaves alone are kept as they are.
    """
    changes = {}
    for name in node.CHILDREN:
        value = getattr(node, name)
        if value is None:
            continue
        if isinstance(value, tuple):
            new = tuple(rewrite(v, fn) for v in value)
            if any(a is not b for a, b in zip(new, value)):
                changes[name] = new
        else:
            new_value = rewrite(value, fn)
            if new_value is not value:
                changes[name] = new_value
    rebuilt = node.replace(**changes) if changes else node
    replacement = fn(rebuilt)
    return rebuilt if replacement is None else replacement
