"""Warp-size rewrites that are right for every target: 32-lane constants become `warpSize`."""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.tables import porter_table
from porter.backends.hip.warp_size.facts import (
    BALLOTS,
    RULE,
    SHUFFLES,
    WARP_CALLS,
    FunctionFacts,
    calls,
    functions_with_warp_work,
    int_literal,
    mentions_any,
    mentions_blockdim,
    mentions_thread,
    operator_of,
    strip_parens,
)
from porter.backends.hip.warp_size.reports import report
from porter.frontends.treesitter import Node, Region


def rewrite_loops(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    for loop in region.find({"for_statement"}, scope):
        variable, start = loop_start(region, loop)
        if variable is not None and strides_by_warp(ctx, region, loop, variable, start, facts):
            continue
        if variable is None or not (used_as_shuffle_offset(region, loop, variable)
                                    or used_with_lane_index(region, loop, variable, facts)):
            continue
        condition = loop.child_by_field_name("condition")
        if int_literal(region, start) == 16:
            if ctx.replace_node(region, start, "warpSize / 2", RULE):
                facts.rewritten_loops.add(loop.id)
        elif int_literal(region, start) == 1 and condition is not None:
            bound = condition.child_by_field_name("right") if condition.type == "binary_expression" else None
            if int_literal(region, bound) == 32 and ctx.replace_node(region, bound, "warpSize", RULE):
                facts.rewritten_loops.add(loop.id)
            elif int_literal(region, bound) == 16 and ctx.replace_node(region, bound, "warpSize / 2", RULE):
                facts.rewritten_loops.add(loop.id)

def loop_start(region: Region, loop: Node) -> tuple[str | None, Node | None]:
    initializer = loop.child_by_field_name("initializer")
    if initializer is None:
        return None, None
    for node in region.find({"init_declarator", "assignment_expression"}, initializer):
        target = node.child_by_field_name("declarator" if node.type == "init_declarator" else "left")
        value = node.child_by_field_name("value" if node.type == "init_declarator" else "right")
        if target is not None and value is not None and target.type == "identifier":
            return region.text(target), value
    return None, None

def used_as_shuffle_offset(region: Region, loop: Node, variable: str) -> bool:
    body = loop.child_by_field_name("body")
    if body is None:
        return False
    for call in region.find({"call_expression"}, body):
        function = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if function is None or arguments is None:
            continue
        name = region.text(function)
        if SHUFFLES.match(name):  # not tile.shfl_*(): a thread_block_tile<N> names its width
            if any(region.text(a) == variable for a in arguments.named_children):
                return True
    return False

def strides_by_warp(ctx: RewriteContext, region: Region, loop: Node, variable: str, start: Node,
                     facts: FunctionFacts) -> bool:
    """`for (c = lane; c < n; c += 32)`: the lanes of a warp stride over a row together."""
    update = loop.child_by_field_name("update")
    if update is None or not mentions_any(region, start, facts.lane_vars):
        return False
    if update.type == "assignment_expression" and region.text(update.child_by_field_name("left")) == variable \
            and update.child_by_field_name("operator") is not None \
            and update.child_by_field_name("operator").type == "+=":
        step = update.child_by_field_name("right")
        if int_literal(region, step) == 32:
            return ctx.replace_node(region, step, "warpSize", RULE)
    return False

def used_with_lane_index(region: Region, loop: Node, variable: str, facts: FunctionFacts) -> bool:
    """`a[lane + o]` inside the loop: a tree over the lanes of a warp."""
    body = loop.child_by_field_name("body")
    if body is None or not facts.lane_vars:
        return False
    for subscript in region.find({"subscript_expression"}, body):
        indices = subscript.child_by_field_name("indices")
        if indices is not None and mentions_any(region, indices, {variable}) and \
                mentions_any(region, indices, facts.lane_vars):
            return True
    return False

def rewrite_arithmetic(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    for expression in region.find({"binary_expression"}, scope):
        operator = operator_of(expression)
        left, right = expression.child_by_field_name("left"), expression.child_by_field_name("right")
        value = int_literal(region, right)
        if value is None or left is None:
            continue
        threadish = mentions_thread(region, left, facts)
        if operator == "%" and value == 32 and threadish:
            ctx.replace_node(region, right, "warpSize", RULE)
        elif operator == "&" and value == 31 and threadish:
            ctx.replace_node(region, right, "(warpSize - 1)", RULE)
        elif operator == "/" and value == 32 and not threadish and mentions_blockdim(region, left) and \
                ctx.wave64 and not is_round_up(region, left):
            # `blockDim.x / 32` counts the block's warps; CUDA blocks are whole 32-lane warps, but a
            # block of 32 or 96 threads ends in a partial 64-lane wavefront, which counts too.
            base = region.base
            if not ctx.edits.overlaps(base + left.start_byte, base + right.end_byte):
                ctx.insert(base + left.start_byte, "(", RULE)
                ctx.replace(base + left.end_byte, base + right.end_byte, " + warpSize - 1) / warpSize", RULE)
        elif operator == "/" and value == 32 and (threadish or mentions_blockdim(region, left)):
            if ctx.replace_node(region, right, "warpSize", RULE):
                rewrite_round_up(ctx, region, left)
        elif operator == ">>" and value == 5 and (threadish or mentions_blockdim(region, left)):
            operator_node = expression.child_by_field_name("operator")
            base = region.base
            if not ctx.edits.overlaps(base + operator_node.start_byte, base + right.end_byte):
                ctx.insert(base + left.start_byte, "(", RULE)
                ctx.replace(base + left.end_byte, base + right.end_byte, ") / warpSize", RULE)
        elif operator in ("==", "!=") and value == 31 and mentions_any(region, left, facts.lane_vars):
            ctx.replace_node(region, right, "(warpSize - 1)", RULE)

def rewrite_round_up(ctx: RewriteContext, region: Region, dividend: Node) -> None:
    """`(n + 31) / 32` rounds up to whole warps: the 31 is warpSize - 1."""
    inner = strip_parens(dividend)
    if inner.type == "binary_expression" and operator_of(inner) == "+":
        addend = inner.child_by_field_name("right")
        if int_literal(region, addend) == 31:
            ctx.replace_node(region, addend, "(warpSize - 1)", RULE)

def rewrite_first_warp_guards(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    for statement in region.find({"if_statement"}, scope):
        condition = statement.child_by_field_name("condition")
        consequence = statement.child_by_field_name("consequence")
        if condition is None or consequence is None:
            continue
        test = strip_parens(condition.named_children[0]) if condition.named_child_count else None
        if test is None or test.type != "binary_expression" or operator_of(test) != "<":
            continue
        bound = test.child_by_field_name("right")
        if int_literal(region, bound) == 32 and mentions_thread(region, test.child_by_field_name("left"), facts) \
                and has_warp_work(region, consequence, scope):
            ctx.replace_node(region, bound, "warpSize", RULE)

def has_warp_work(region: Region, body: Node, scope: Node) -> bool:
    """A warp built-in in the body, or a call of a device function of this file that has one."""
    for call in region.find({"call_expression"}, body):
        function = call.child_by_field_name("function")
        if function is None:
            continue
        name = region.text(function).split("<")[0]
        if WARP_CALLS.match(name) or name in functions_with_warp_work(region):
            return True
    return False

def rewrite_bit_builtins(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    # For every target: HIP's ballots are 64 bits wide even on 32-lane GPUs, and __ffs/__clz of a
    # 64-bit value is ambiguous there.
    wide = porter_table()["bit_builtins_64"]
    for call in region.find({"call_expression"}, scope):
        function = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if function is None or arguments is None:
            continue
        name = region.text(function)
        if not (calls(region, arguments, BALLOTS) or mentions_any(region, arguments, facts.ballot_vars)):
            continue
        if name in wide:
            ctx.replace_node(region, function, wide[name], RULE)
        elif ctx.wave64 and any(bit in name.lower() for bit in ("popc", "ffs", "clz", "brev")):
            report(ctx, region, function, f"`{name}` takes a 32-bit value; a 64-lane ballot is 64 bits")

def is_round_up(region: Region, dividend: Node) -> bool:
    """`(n + 31)`: the dividend already rounds up to whole warps."""
    inner = strip_parens(dividend)
    return inner.type == "binary_expression" and operator_of(inner) == "+" and \
        int_literal(region, inner.child_by_field_name("right")) == 31
