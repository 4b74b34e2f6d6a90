"""Headers: map CUDA includes to HIP, keep exactly one hip_runtime.h include, add porter's helpers.

Runs last: the other rules decide which helpers and macros the file needs.
"""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.device_intrinsics import helper_text
from porter.backends.hip.tables import name_tables, porter_table
from porter.frontends.treesitter import Node

RULE = "include"
HIP_RUNTIME = "hip/hip_runtime.h"
_CG_REDUCE_HEADER = "cooperative_groups/reduce.h"
_CONDITIONALS = {"preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef"}
#: Signs that a file has CUDA code and so needs the HIP runtime header.
_CUDA_MARKERS = {"__global__", "__device__", "__shared__", "__constant__", "threadIdx", "blockIdx",
                 "blockDim", "gridDim", "warpSize", "__syncthreads"}


def rewrite_includes(ctx: RewriteContext) -> None:
    region = ctx.syntax.file_region()
    mapped: list[tuple[Node, Node, str]] = []
    for include in region.find({"preproc_include"}, region.root):
        path_node = include.child_by_field_name("path")
        if path_node is None:
            continue
        hip_header = _hip_header(ctx, include, region.text(path_node)[1:-1])
        if hip_header is not None:
            mapped.append((include, path_node, hip_header))
    kept = _drop_duplicate_runtime_includes(ctx, [i for i, _, h in mapped if h == HIP_RUNTIME])
    kept = _runtime_first(ctx, kept, [i for i, _, h in mapped if h.startswith("hip")])
    for include, path_node, hip_header in mapped:
        written = region.text(path_node)
        if hip_header != written[1:-1] and not ctx.edits.overlaps(include.start_byte, include.end_byte):
            ctx.replace_node(region, path_node, written[0] + hip_header + written[-1], RULE)
    if kept is None and (ctx.edits or _has_cuda_code(ctx)):
        offset = _cuda_only_block(ctx) or _insertion_point(ctx)
        ctx.insert(offset, _defines_text(ctx) + f"#include <{HIP_RUNTIME}>\n" + _helpers_text(ctx), RULE)
        return
    if kept is not None:
        if ctx.defines_needed:
            ctx.insert(kept.start_byte, _defines_text(ctx), RULE)
        if ctx.helpers_needed:
            ctx.insert(_end_of_line(ctx, kept.end_byte), _helpers_text(ctx), RULE)


def _hip_header(ctx: RewriteContext, include: Node, header: str) -> str | None:
    table = porter_table()
    if header in table["unsupported_headers"]:
        ctx.report("P0230", f"<{header}>: {table['unsupported_headers'][header]}", ctx.syntax.file_region(), include)
        return None
    override = table["renames"].get(header)
    if override and override.get("kind") == "header":
        until = override.get("until")
        if until is None or not ctx.options.at_least(until):
            return override["hip"]
    since = table["cooperative_groups_headers"].get(header, {}).get("since")
    if since is not None and not ctx.options.at_least(since):
        if header == _CG_REDUCE_HEADER and "cg_reduce" in ctx.helpers_needed:
            return "hip/hip_cooperative_groups.h"  # porter's cg_reduce helper stands in for reduce.h
        ctx.report("P0240", f"<{header}> is not available in HIP {ctx.options.hip_version}",
                   ctx.syntax.file_region(), include, "target a newer --hip-version, or write the "
                                                      "group operation with shuffles")
        return None
    return name_tables().headers.get(header, header if header == HIP_RUNTIME else None)


def _drop_duplicate_runtime_includes(ctx: RewriteContext, includes: list[Node]) -> Node | None:
    """Keep the first runtime include of each #if branch (and none in branches after a top-level one)."""
    if not includes:
        return None
    kept_by_branch: dict[int | None, Node] = {}
    top_level_seen = False
    for include in includes:
        branch = _enclosing_branch(include)
        key = branch.id if branch is not None else None
        if key in kept_by_branch or top_level_seen:
            ctx.replace(include.start_byte, include.end_byte, "", RULE)
            continue
        kept_by_branch[key] = include
        top_level_seen = top_level_seen or key is None
    return kept_by_branch.get(None, includes[0])


def _runtime_first(ctx: RewriteContext, kept: Node | None, hip_includes: list[Node]) -> Node | None:
    """HIP 5.2's other headers (cooperative groups, fp16) need hip_runtime.h included before them."""
    if kept is None or _enclosing_branch(kept) is not None:
        return kept
    first = next((i for i in hip_includes if _enclosing_branch(i) is None), None)
    if first is None or first.start_byte >= kept.start_byte:
        return kept
    ctx.replace(kept.start_byte, kept.end_byte, "", RULE)
    ctx.insert(first.start_byte, f"#include <{HIP_RUNTIME}>\n", RULE)
    return first


def _enclosing_branch(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None:
        if parent.type in _CONDITIONALS and not _is_header_guard(parent):
            return parent
        parent = parent.parent
    return None


def _is_header_guard(node: Node) -> bool:
    if node.type != "preproc_ifdef" or node.parent is None or node.parent.type != "translation_unit":
        return False
    named = [c for c in node.named_children if c.type != "comment"]
    return len(named) >= 2 and named[1].type == "preproc_def"


def _has_cuda_code(ctx: RewriteContext) -> bool:
    text = ctx.source.text
    return "<<<" in text or any(marker in text for marker in _CUDA_MARKERS)


def _cuda_only_block(ctx: RewriteContext) -> int | None:
    """Where every edit lies in the CUDA branch of one ``#ifdef __CUDACC__`` (a header shared with C
    sources, which nvcc compiles without its runtime), the end of that #ifdef line: the runtime
    include goes inside the branch, as nvcc's implicit one applies only there."""
    edits = [edit for edit in ctx.edits if edit.start < edit.end or edit.text]
    if not edits:
        return None
    for node in ctx.syntax.file_region().find({"preproc_ifdef"}, ctx.syntax.root):
        name = node.child_by_field_name("name")
        if name is None or ctx.syntax.data[name.start_byte:name.end_byte] != b"__CUDACC__" \
                or ctx.syntax.data[node.start_byte:node.start_byte + 7] != b"#ifdef ":
            continue
        alternative = node.child_by_field_name("alternative")
        end = alternative.start_byte if alternative is not None else node.end_byte
        if all(node.start_byte <= edit.start and edit.end <= end for edit in edits):
            return _end_of_line(ctx, name.end_byte)
    return None


def _insertion_point(ctx: RewriteContext) -> int:
    """After leading comments, `#pragma once` and a header guard's #define."""
    node_list = list(ctx.syntax.root.children)
    offset = 0
    for node in node_list:
        if node.type == "comment":
            offset = _end_of_line(ctx, node.end_byte)
            continue
        if node.type == "preproc_call" and b"once" in ctx.syntax.data[node.start_byte:node.end_byte]:
            offset = node.end_byte
            continue
        if _is_header_guard(node):
            guard_define = [c for c in node.named_children if c.type != "comment"][1]
            return guard_define.end_byte
        return node.start_byte if offset == 0 else max(offset, _start_of_line(ctx, node.start_byte))
    return offset


def _defines_text(ctx: RewriteContext) -> str:
    return "".join(f"#define {name}\n" for name in ctx.defines_needed)


def _helpers_text(ctx: RewriteContext) -> str:
    helpers = porter_table()["helpers"]
    return "".join(helper_text(name) or helpers[name] for name in sorted(ctx.helpers_needed))


def _end_of_line(ctx: RewriteContext, offset: int) -> int:
    if offset > 0 and ctx.syntax.data[offset - 1:offset] == b"\n":
        return offset
    newline = ctx.syntax.data.find(b"\n", offset)
    return len(ctx.syntax.data) if newline < 0 else newline + 1


def _start_of_line(ctx: RewriteContext, offset: int) -> int:
    return ctx.syntax.data.rfind(b"\n", 0, offset) + 1
