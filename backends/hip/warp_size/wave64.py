"""Warp-size rewrites for 64-lane targets: wider masks and ballots, and the wave size where a
compile-time constant is needed."""

from __future__ import annotations

from porter.backends.hip.constants import parse_int_literal
from porter.backends.hip.context import RewriteContext
from porter.backends.hip.warp_size.facts import (
    NARROW_TYPES,
    RULE,
    WARP_SIZE_NAME,
    FunctionFacts,
    array_name,
    calls,
    declared_name,
    int_literal,
    is_constant_declaration,
    mentions_any,
    operator_of,
)
from porter.backends.hip.warp_size.groups import grouped_functions
from porter.backends.hip.warp_size.launches import narrow_launches_of_functions, users_of
from porter.backends.hip.warp_size.reports import report
from porter.frontends.treesitter import Node, Region


def rewrite_ballot_types(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    if not ctx.wave64 or not facts.ballot_vars:
        return
    for declaration in region.find({"declaration"}, scope):
        type_node = declaration.child_by_field_name("type")
        if type_node is None or " ".join(region.text(type_node).split()) not in NARROW_TYPES:
            continue
        names = {declared_name(region, d) for d in declaration.children_by_field_name("declarator")}
        if names & facts.ballot_vars:
            ctx.replace_node(region, type_node, "unsigned long long", RULE)

def rewrite_lane_shifts(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    if not ctx.wave64:
        return
    for expression in region.find({"binary_expression"}, scope):
        if operator_of(expression) != "<<":
            continue
        left, right = expression.child_by_field_name("left"), expression.child_by_field_name("right")
        if int_literal(region, left) == 1 and right is not None and \
                (mentions_any(region, right, facts.lane_vars) or calls(region, right, {"__lane_id"})):
            ctx.replace_node(region, left, "1ull", RULE)

def rewrite_lane_arrays(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    if not ctx.wave64 or not facts.lane_vars:
        return
    lane_indexed, warp_indexed = set(), set()
    for subscript in region.find({"subscript_expression"}, scope):
        indices = subscript.child_by_field_name("indices")
        if indices is None or (subscript.parent is not None and subscript.parent.type == "subscript_expression"
                               and subscript.parent.child_by_field_name("argument") == subscript):
            continue  # only the last index of a[i][j]
        index = region.text(indices).strip("[] ")
        array = array_name(region, subscript)
        if index in facts.lane_vars:
            lane_indexed.add(array)
        if index in facts.warp_vars:
            warp_indexed.add(array)
    for declarator in region.find({"array_declarator"}, scope):
        name, size = array_name(region, declarator), declarator.child_by_field_name("size")
        if size is None or name not in lane_indexed - warp_indexed or \
                (declarator.parent is not None and declarator.parent.type == "array_declarator"):
            continue
        declaration = declarator.parent
        if declaration is not None and "__shared__" in region.text(declaration) and int_literal(region, size) == 32:
            ctx.replace_node(region, size, str(ctx.options.wave_size), RULE)

def rewrite_warp_count_array_sizes(ctx: RewriteContext, region: Region, scope: Node) -> None:
    """`__shared__ T per_warp[BLOCK / 32]`: one slot per warp needs the target's warp count."""
    if not ctx.wave64:
        return
    for declarator in region.find({"array_declarator"}, scope):
        size = declarator.child_by_field_name("size")
        if size is not None and size.type == "binary_expression" and operator_of(size) == "/" and \
                int_literal(region, size.child_by_field_name("right")) == 32:
            ctx.replace_node(region, size.child_by_field_name("right"), str(ctx.options.wave_size), RULE)

def rewrite_mask_constants(ctx: RewriteContext, region: Region) -> None:
    """Lane-mask constants used by *_sync built-ins (`#define FULL_MASK 0xffffffff`,
    `const unsigned mask = 0xffffffff;`): full masks widen to 64 bits on 64-lane targets; partial
    ones are reported, since which lanes they mean depends on the warp size."""
    used = sync_mask_names(ctx)
    if region.macro is not None:
        if region.macro in used:
            mask_definition(ctx, region, region.root, None)
        return
    for declarator in region.find({"init_declarator"}, region.root):
        name, value = declarator.child_by_field_name("declarator"), declarator.child_by_field_name("value")
        if name is not None and value is not None and region.text(name) in used and value.type == "number_literal":
            mask_definition(ctx, region, value, declarator.parent)

def mask_definition(ctx: RewriteContext, region: Region, root: Node, declaration: Node | None) -> None:
    literal = next(iter(region.find({"number_literal"}, root)), None) if root.type != "number_literal" else root
    value = int_literal(region, literal)
    if literal is None or value is None:
        return
    if value == 0xFFFFFFFF:
        if not ctx.wave64:
            return
        type_node = declaration.child_by_field_name("type") if declaration is not None else None
        if type_node is not None and " ".join(region.text(type_node).split()) in NARROW_TYPES:
            ctx.replace_node(region, type_node, "unsigned long long", RULE)
        ctx.replace_node(region, literal, "0xffffffffffffffffULL", RULE)
    else:
        report(ctx, region, literal, "a partial lane mask names lanes of a 32-lane warp")

def sync_mask_names(ctx: RewriteContext) -> set[str]:
    cached = getattr(ctx, "_porter_sync_masks", None)
    if cached is not None:
        return cached
    names = set()
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            function, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
            if function is None or arguments is None or not region.text(function).endswith("_sync"):
                continue
            first = next((a for a in arguments.named_children if a.type != "comment"), None)
            if first is not None and first.type == "identifier":
                names.add(region.text(first))
    ctx._porter_sync_masks = names
    return names

def rewrite_warp_size_constants(ctx: RewriteContext, region: Region) -> None:
    if not ctx.wave64:
        return
    if region.macro is not None:
        if WARP_SIZE_NAME.match(region.macro) and parse_int_literal(region.data.decode().strip()) == 32:
            number = next(iter(region.find({"number_literal"}, region.root)), None)
            if number is not None and not used_by_narrow_blocks(ctx, region, number, region.macro):
                ctx.replace_node(region, number, str(ctx.options.wave_size), RULE)
        return
    for declarator in region.find({"init_declarator"}, region.root):
        name, value = declarator.child_by_field_name("declarator"), declarator.child_by_field_name("value")
        if name is None or value is None:
            continue
        if WARP_SIZE_NAME.match(region.text(name)) and int_literal(region, value) == 32:
            if not used_by_narrow_blocks(ctx, region, value, region.text(name)):
                ctx.replace_node(region, value, str(ctx.options.wave_size), RULE)
        elif "warp" in region.text(name).lower() and is_constant_declaration(region, declarator) and \
                value.type == "binary_expression" and operator_of(value) == "/" and \
                int_literal(region, value.child_by_field_name("right")) == 32:
            # `constexpr int kWarps = kThreads / 32;`: a compile-time warp count
            ctx.replace_node(region, value.child_by_field_name("right"), str(ctx.options.wave_size), RULE)


def used_by_narrow_blocks(ctx: RewriteContext, region: Region, node: Node, name: str) -> bool:
    """A warp-size constant used by kernels launched with blocks that do not fill 64-lane
    wavefronts keeps its 32 (those kernels are reported, P0261); reported here too (P0262)."""
    users = users_of(ctx, name)
    narrow = narrow_launches_of_functions(ctx, users)
    if not narrow:
        return False
    if all(user in grouped_functions(ctx) for user in users if narrow_launches_of_functions(ctx, {user})):
        return True  # every user keeps its 32-lane groups (P0263): 32 is right for them
    ctx.report("P0262", f"`{name}` = 32 is used by code for 32-thread groups ({narrow[0].describe()}); it is not "
               f"the wavefront size of {ctx.options.offload_arch} (64), and porter does not change it", region, node,
               "launch blocks of a multiple of 64 threads in x before making the constant the wavefront size, "
               "or keep 32 and write the 32-lane groups with explicit shuffle widths")
    return True
