"""Rename CUDA API, type, enum and macro names to HIP, from the tables; report what has no HIP name.

Only name tokens change (identifiers, type and namespace names), never comments or literals.
Runs after the semantic rules, so a name they already rewrote is left alone.
"""

from __future__ import annotations

import re

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.project_symbols import project_names
from porter.backends.hip.api_versions import judge
from porter.backends.hip.tables import hipify_api, hipify_source, name_tables, porter_table
from porter.frontends.treesitter import Node, Region, iter_name_leaves

RULE = "rename"

#: Names shaped like CUDA APIs. A name of this shape that the tables do not know, and that the
#: project does not declare (the file or a header it includes), has no HIP equivalent porter knows of.
_CUDA_API_SHAPE = re.compile(
    r"^(cuda[A-Z]\w*|cu[A-Z][a-z]\w*|CU_[A-Z]\w*|CUDA_[A-Z]\w*|cublas\w+|CUBLAS_\w+|curand\w+|CURAND_\w+"
    r"|cufft\w+|CUFFT_\w+|cusparse\w+|CUSPARSE_\w+|cudnn\w+|CUDNN_\w+|cutensor\w+|nvjpeg\w+)$")


def rename(ctx: RewriteContext) -> None:
    tables = name_tables()
    hipify = hipify_api()
    renames = _effective_renames(ctx)
    corrections = _effective_corrections(ctx)
    unsupported = porter_table()["unsupported"]
    macros = porter_table()["cuda_macros"]
    declared = project_names(ctx.syntax, ctx.source.path, getattr(ctx.source.project, "include_dirs", ()))
    version_gaps = unsupported_in_version(ctx)  # reported by check_version_gaps; left as written
    libraries_seen: dict[str, tuple[Region, Node]] = {}
    for region in ctx.regions:
        for leaf in iter_name_leaves(region.root):
            name = region.text(leaf)
            if leaf.type == "namespace_identifier":
                _rename_namespace(ctx, region, leaf, tables.qualified, libraries_seen)
                continue
            if leaf.type not in ("identifier", "type_identifier"):
                continue
            if ctx.edits.overlaps(*region.file_range(leaf)):
                continue  # an earlier rule rewrote this name (or the code around it)
            if name in macros:
                _cuda_macro(ctx, region, leaf, name, macros[name])
                continue
            if name in version_gaps:
                continue
            if name in unsupported and name not in declared:
                ctx.report("P0230", f"`{name}` has no HIP equivalent: {unsupported[name]}", region, leaf)
                continue
            hip_name = renames.get(name, corrections.get(name))
            entry = hipify.get(name) if hip_name is None else None
            if entry is not None and (entry.hip or entry.family != "device"):
                library = _library_of(name)
                if name in declared and name not in tables.names:
                    continue  # the project's own name of a CUDA API's shape
                if library is not None and not library.get("hip"):
                    libraries_seen.setdefault(library["key"], (region, leaf))
                    continue
                verdict = judge(entry, ctx.options, tables.names.get(name))
                for finding in verdict.findings:
                    ctx.report(finding.diag_id, finding.message, region, leaf, finding.hint)
                if verdict.hip is None:
                    continue
                hip_name = verdict.hip
            if hip_name is None:
                hip_name = tables.names.get(name)
            if hip_name is not None:
                _note_library(name, region, leaf, libraries_seen)
                ctx.replace_node(region, leaf, hip_name, RULE)
            elif _CUDA_API_SHAPE.match(name) and name not in declared and not _is_member(leaf):
                library = _library_of(name)
                if library is not None and not library.get("hip"):
                    libraries_seen.setdefault(library["key"], (region, leaf))
                    continue
                ctx.report("P0230", f"`{name}` looks like a CUDA API but porter knows no HIP equivalent "
                           f"(neither {hipify_source()}'s tables nor PyTorch's list it)",
                           region, leaf, "check the HIP documentation for a replacement, or port this "
                                         "call by hand")
    _report_libraries(ctx, libraries_seen)


def _effective_renames(ctx: RewriteContext) -> dict[str, str]:
    """porter's own renames that apply to the target HIP version; reports version gaps lazily."""
    chosen: dict[str, str] = {}
    for cuda_name, entry in porter_table()["renames"].items():
        if entry.get("kind") == "header":
            continue
        until = entry.get("until")
        if "hip" in entry and (until is None or not ctx.options.at_least(until)):
            chosen[cuda_name] = entry["hip"]
    return chosen


def _effective_corrections(ctx: RewriteContext) -> dict[str, str]:
    """porter's corrections of HIPIFY rows that apply to the target HIP version."""
    return {cuda_name: entry["hip"] for cuda_name, entry in porter_table()["hipify_corrections"].items()
            if ctx.options.at_least(entry.get("since", "0.0"))}


def unsupported_in_version(ctx: RewriteContext) -> dict[str, str]:
    result = {}
    for cuda_name, entry in porter_table()["renames"].items():
        until = entry.get("unsupported_until")
        if until is not None and not ctx.options.at_least(until):
            result[cuda_name] = entry["why"]
    return result


def check_version_gaps(ctx: RewriteContext) -> None:
    """Types and functions the target HIP version lacks (e.g. packed bf16 before HIP 6.0)."""
    missing = unsupported_in_version(ctx)
    if not missing:
        return
    for region in ctx.regions:
        for leaf in iter_name_leaves(region.root):
            name = region.text(leaf)
            if name in missing and not ctx.edits.overlaps(*region.file_range(leaf)):
                ctx.report("P0250", f"`{name}` is not available in HIP {ctx.options.hip_version}: "
                           f"{missing[name]}", region, leaf, "target a newer --hip-version or use "
                                                             "unpacked values")


def _rename_namespace(ctx: RewriteContext, region: Region, leaf: Node, qualified: dict[str, str],
                      libraries_seen: dict) -> None:
    name = region.text(leaf)
    path = _namespace_path(region, leaf)
    if path in qualified:
        replacement = qualified[path].rsplit("::", 1)[-1]
    elif f"{name}::" in qualified and path == name:
        replacement = qualified[f"{name}::"].rstrip(":")
    else:
        replacement = None
    for key, library in porter_table()["libraries"].items():
        if name in library.get("namespaces", ()) and path == name:
            libraries_seen.setdefault(key, (region, leaf))
    if replacement and replacement != name:
        ctx.replace_node(region, leaf, replacement, RULE)


def _namespace_path(region: Region, leaf: Node) -> str:
    """'thrust::cuda' for the `cuda` in thrust::cuda::par; just the name at the outermost level."""
    parts = [region.text(leaf)]
    node = leaf.parent
    while node is not None and node.type == "qualified_identifier":
        parent = node.parent
        if parent is None or parent.type != "qualified_identifier":
            break
        scope = parent.child_by_field_name("scope")
        if scope is None or scope.id == node.id:
            break
        parts.insert(0, region.text(scope))
        node = parent
    return "::".join(parts)


def _cuda_macro(ctx: RewriteContext, region: Region, leaf: Node, name: str, entry: dict) -> None:
    if _is_definedness_test(leaf) and entry.get("device_test"):
        ctx.replace_node(region, leaf, entry["device_test"], RULE)
        return
    if _in_preprocessor_condition(leaf):
        ctx.report("P0270", f"`{name}` is not defined by HIP", region, leaf)


def _is_definedness_test(leaf: Node) -> bool:
    parent = leaf.parent
    return parent is not None and parent.type in ("preproc_ifdef", "preproc_defined")


def _in_preprocessor_condition(leaf: Node) -> bool:
    node = leaf.parent
    while node is not None:
        if node.type in ("preproc_if", "preproc_elif"):
            condition = node.child_by_field_name("condition")
            return condition is not None and condition.start_byte <= leaf.start_byte < condition.end_byte
        node = node.parent
    return False


def _is_member(leaf: Node) -> bool:
    parent = leaf.parent
    return parent is not None and parent.type == "field_expression" and leaf.type == "field_identifier"


def _library_of(name: str) -> dict | None:
    for key, library in porter_table()["libraries"].items():
        if any(name.startswith(prefix) for prefix in library.get("prefixes", ())):
            return {"key": key, **library}
    return None


def _note_library(name: str, region: Region, leaf: Node, seen: dict) -> None:
    library = _library_of(name)
    if library is not None:
        seen.setdefault(library["key"], (region, leaf))


def _report_libraries(ctx: RewriteContext, seen: dict[str, tuple[Region, Node]]) -> None:
    libraries = porter_table()["libraries"]
    for key, (region, leaf) in sorted(seen.items()):
        library = libraries[key]
        if not library.get("hip"):
            ctx.report("P0231", library.get("why", f"{key} has no HIP port"), region, leaf,
                       "port these calls by hand or through a library of the AMD stack")
            continue
        where = ("Debian 12 packages it" if library.get("debian12")
                 else "not packaged by Debian 12; install it from ROCm")
        ctx.report("P0232", f"uses {key}: the HIP port needs {library['hip']} ({where})", region, leaf)
