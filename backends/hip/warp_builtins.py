"""Warp built-ins with lane masks (`__shfl_*_sync`, `__ballot_sync`, `__syncwarp`, ...) per HIP version.

* HIP >= 6.2 has the *_sync forms with 64-bit masks: a full CUDA mask (0xffffffff: every lane of
  the warp) becomes `__activemask()` on 64-lane targets (ROCm checks that a mask names exactly
  the lanes taking part) and the full 32-lane mask on 32-lane ones; other masks are widened to 64 bits,
  with a warning on 64-lane targets, where lanes 32-63 fall outside a 32-bit mask.
* HIP < 6.2 has only the mask-less forms, which act on the active lanes. A call becomes its
  mask-less form only where that computes the same: the mask is full (a literal, or a macro or
  const bound to one), or is `__activemask()` (exactly the lanes the mask-less form uses).
  Anything else is reported and left alone.
"""

from __future__ import annotations

import re

from porter.backends.hip.constants import ConstantTable
from porter.backends.hip.context import RewriteContext
from porter.backends.hip.header_macros import header_macros
from porter.backends.hip.tables import porter_table
from porter.frontends.treesitter import Node, Region

RULE = "warp-sync"
FULL_MASK = {32: "0xffffffffULL", 64: "0xffffffffffffffffULL"}


def rewrite_warp_builtins(ctx: RewriteContext) -> None:
    table = porter_table()
    sync_entries = table["warp_sync"]
    other_entries = table["warp_other"]
    since = table["warp_sync_versions"]["since"]
    has_sync = ctx.options.at_least(since)
    constants = mask_constants(ctx)
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            function = call.child_by_field_name("function")
            found = None if function is None else _called(region, function)
            if found is None:
                continue
            name, function, template_args = found
            if name in sync_entries:
                if template_args is not None and not has_sync:
                    ctx.report("P0290", f"`{region.text(function)}`: HIP {ctx.options.hip_version} has only the "
                               f"mask-less, non-template `{sync_entries[name].get('legacy', name)}`", region, function,
                               "drop the template arguments (the value's type selects the overload)")
                    continue
                _sync_call(ctx, region, call, function, name, sync_entries[name], has_sync, constants)
            elif name in other_entries and not has_sync:
                _legacy_rename(ctx, region, function, other_entries[name])


def _called(region: Region, function: Node) -> tuple[str, Node, str | None] | None:
    """(name, node to replace, template arguments) of `f(...)`, `::f(...)` and `f<T>(...)`."""
    if function.type == "qualified_identifier" and function.child_by_field_name("scope") is None:
        inner = function.child_by_field_name("name")
        found = None if inner is None else _called(region, inner)
        return None if found is None else (found[0], function, found[2])
    if function.type == "identifier":
        return region.text(function), function, None
    if function.type == "template_function":
        name, args = function.child_by_field_name("name"), function.child_by_field_name("arguments")
        if name is not None:
            return region.text(name), function, None if args is None else region.text(args)
    return None


def mask_constants(ctx: RewriteContext) -> ConstantTable:
    """The file's constants, then the object-like macros of the project headers it includes, with
    functional casts (`uint32_t(-1)`, `static_cast<unsigned>(~0)`) reduced to their operand."""
    constants = ConstantTable.from_file(ctx.syntax.file_region())
    include_dirs = getattr(ctx.source.project, "include_dirs", ()) or ()
    for name, value in header_macros(ctx.syntax, ctx.source.path, include_dirs).items():
        constants.bindings.setdefault(name, value)
    constants.bindings = {name: strip_casts(value) for name, value in constants.bindings.items()}
    return constants


_FUNCTIONAL_CAST = re.compile(r"^(?:unsigned(?:\s+int)?|uint32_t|int|unsigned\s+long\s+long|uint64_t)\s*\((.*)\)$", re.S)
_STATIC_CAST = re.compile(r"^static_cast\s*<\s*[\w\s]+>\s*\((.*)\)$", re.S)


def strip_casts(text: str) -> str:
    text = text.strip()
    for pattern in (_FUNCTIONAL_CAST, _STATIC_CAST):
        match = pattern.match(text)
        if match:
            return strip_casts(match.group(1))
    return text


def _sync_call(ctx: RewriteContext, region: Region, call: Node, function: Node, name: str, entry: dict,
               has_sync: bool, constants: ConstantTable) -> None:
    args = call.child_by_field_name("arguments")
    arguments = [] if args is None else [a for a in args.named_children if a.type != "comment"]
    if name.startswith("__shfl") and len(arguments) > 1 and not _shuffle_type_ok(ctx, region, call, arguments[1]):
        return
    available_since = entry.get("since")
    if has_sync and (available_since is None or ctx.options.at_least(available_since)) and \
            (entry.get("legacy") or available_since):
        _widen_mask(ctx, region, arguments, constants)
        if not ctx.options.at_least(porter_table()["warp_sync_versions"]["define_needed_until"]):
            _need_define(ctx, "HIP_ENABLE_WARP_SYNC_BUILTINS")
        return
    legacy = entry.get("legacy")
    if legacy is None:
        ctx.report("P0202", f"`{name}` has no equivalent in HIP {ctx.options.hip_version}", region, function,
                   "write it with shuffles or ballots, or target a HIP version that has it"
                   if available_since is None else f"HIP has it from {available_since}")
        return
    mask = arguments[0] if arguments else None
    if mask is not None and not _mask_is_equivalent(region, mask, constants):
        ctx.report("P0201", f"`{name}` with mask `{region.text(mask)}`: HIP {ctx.options.hip_version} has "
                   f"only the mask-less `{legacy}`, which is the same only for a full mask", region, mask)
        return
    if not ctx.replace_node(region, function, legacy, RULE):
        return
    if entry.get("helper"):
        ctx.helpers_needed.add(entry["helper"])
    if mask is not None:
        _delete_argument(ctx, region, mask, arguments)


def _shuffle_type_ok(ctx: RewriteContext, region: Region, call: Node, value: Node) -> bool:
    value_type = declared_type(region, call, region.text(value)) if value.type == "identifier" else None
    since = porter_table()["shuffle_types"].get(value_type or "", {}).get("since")
    if since is None or ctx.options.at_least(since):
        return True
    ctx.report("P0250", f"HIP {ctx.options.hip_version} cannot shuffle a `{value_type}` (from HIP {since})",
               region, value, "shuffle its bits as an unsigned int (or two halves as floats)")
    return False


def declared_type(region: Region, use: Node, name: str) -> str | None:
    """The written type of the parameter or local `name` visible from `use`, if declared plainly."""
    function = use.parent
    while function is not None and function.type != "function_definition":
        function = function.parent
    if function is None:
        return None
    for declaration in region.find({"parameter_declaration", "declaration"}, function):
        if declaration.start_byte > use.start_byte:
            break
        type_node = declaration.child_by_field_name("type")
        for declarator in declaration.children_by_field_name("declarator"):
            target = declarator
            while target is not None and target.type not in ("identifier",):
                target = target.child_by_field_name("declarator")
            if target is not None and region.text(target) == name and type_node is not None:
                return region.text(type_node)
    return None


def _legacy_rename(ctx: RewriteContext, region: Region, function: Node, entry: dict) -> None:
    if ctx.replace_node(region, function, entry["legacy"], RULE) and entry.get("helper"):
        ctx.helpers_needed.add(entry["helper"])


def _mask_is_equivalent(region: Region, mask: Node, constants: ConstantTable) -> bool:
    text = strip_casts(region.text(mask))
    return constants.is_full_mask(text) or text.replace(" ", "") == "__activemask()"


def _delete_argument(ctx: RewriteContext, region: Region, argument: Node, arguments: list[Node]) -> None:
    index = arguments.index(argument)
    start = region.base + argument.start_byte
    if index + 1 < len(arguments):
        end = region.base + arguments[index + 1].start_byte
    else:
        end = region.base + argument.end_byte
    ctx.replace(start, end, "", RULE)


def _widen_mask(ctx: RewriteContext, region: Region, arguments: list[Node], constants: ConstantTable) -> None:
    if not arguments:
        return
    mask = arguments[0]
    text = region.text(mask)
    if constants.is_full_mask(strip_casts(text)):
        # ROCm's mask check wants exactly the lanes taking part (`__ballot(true)`): a 64-lane full
        # mask stops a partial wavefront (a block of 32 or 96 threads), `__activemask()` does not.
        ctx.replace_node(region, mask, "__activemask()" if ctx.wave64 else FULL_MASK[ctx.options.wave_size], RULE)
        return
    if text.replace(" ", "") == "__activemask()":
        return
    if mask.type == "number_literal":
        ctx.replace_node(region, mask, text.rstrip("uUlL") + "ULL", RULE)
    else:
        ctx.replace_node(region, mask, f"static_cast<unsigned long long>({text})", RULE)
    if ctx.wave64 and not _is_64bit_mask_source(text):
        ctx.report("P0203", f"lane mask `{text}` is 32 bits wide; on {ctx.options.offload_arch} "
                   f"({ctx.options.wave_size} lanes) lanes 32-63 are never in it", region, mask)


def _is_64bit_mask_source(text: str) -> bool:
    compact = text.replace(" ", "")
    return compact.startswith(("__ballot_sync(", "__activemask(", "__ballot("))


def _need_define(ctx: RewriteContext, name: str) -> None:
    if name not in ctx.defines_needed:
        ctx.defines_needed.append(name)
