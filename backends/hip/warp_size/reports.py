"""Warp-size assumptions porter cannot rewrite safely: reported on their line (P0210)."""

from __future__ import annotations

import re

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.warp_size.facts import (
    BALLOTS,
    SHUFFLES,
    FunctionFacts,
    calls,
    device_scopes,
    functions_with_asm,
    functions_with_warp_work,
    inside_rewritten_loop,
    int_literal,
    mentions_any,
    mentions_blockdim,
    mentions_thread,
    operator_of,
    strip_parens,
)
from porter.frontends.treesitter import Node, Region

from porter.diagnostics import Severity


def report(ctx: RewriteContext, region: Region, node: Node, message: str) -> None:
    if ctx.edits.overlaps(region.base + node.start_byte, region.base + node.end_byte):
        return
    severity = Severity.ERROR if ctx.wave64 else Severity.NOTE
    where = (f"wrong on {ctx.options.offload_arch}'s 64-lane wavefronts" if ctx.wave64
             else f"right on {ctx.options.offload_arch}'s 32-lane wavefronts, wrong on 64-lane CDNA GPUs")
    ctx.report("P0210", f"{message} ({where})", region, node, severity=severity)

def report_fixed_lane_shuffles(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    for call in region.find({"call_expression"}, scope):
        function = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if function is None or arguments is None or not SHUFFLES.match(region.text(function)):
            continue
        if inside_rewritten_loop(call, facts):
            continue
        values = [a for a in arguments.named_children if a.type != "comment"]
        lane_argument = values[2] if region.text(function).endswith("_sync") and len(values) > 2 else \
            (values[1] if len(values) > 1 else None)
        literal = int_literal(region, lane_argument)
        if literal == 16:
            report(ctx, region, lane_argument, "shuffle by a fixed 16 lanes assumes a 32-lane warp "
                                                "(a 64-lane reduction needs a step of 32 first)")
        elif literal == 31:
            report(ctx, region, lane_argument, "lane 31 is the last lane only of a 32-lane warp")

def report_host_warp_counts(ctx: RewriteContext, region: Region) -> None:
    """Host code that sizes per-warp data with 32 lanes (`num_warps = threads / 32`)."""
    if region.macro is not None:
        return
    device = {scope.id for scope in device_scopes(region)}
    for function in region.find({"function_definition"}, region.root):
        if function.id in device:
            continue
        for value in host_sizes(region, function):
            for expression in region.find({"binary_expression"}, value):
                right = expression.child_by_field_name("right")
                left = expression.child_by_field_name("left")
                pair = (operator_of(expression), int_literal(region, right))
                if pair in (("/", 32), (">>", 5)):
                    report(ctx, region, right, "host code counts warps of 32 threads "
                                                "(query hipDeviceProp_t::warpSize instead)")
        for expression in region.find({"binary_expression"}, function):
            right, left = expression.child_by_field_name("right"), expression.child_by_field_name("left")
            if left is None or int_literal(region, right) != 32:
                continue
            named = region.text(left).lower()
            if operator_of(expression) == "*" and "warp" in named:
                report(ctx, region, right, "host code sizes blocks as warps of 32 threads")
            elif operator_of(expression) == "/" and "thread" in named:
                report(ctx, region, right, "host code counts warps of 32 threads "
                                            "(query hipDeviceProp_t::warpSize instead)")
        report_single_warp_launches(ctx, region, function)

ALLOCATIONS = re.compile(r"^(cuda|hip)(Malloc\w*|Memset\w*|Memcpy\w*)$")

def host_sizes(region: Region, function: Node):
    """Host expressions that size per-warp data: warp-named variables, allocation sizes,
    launch configurations and shared-memory byte counts."""
    for node in region.find({"init_declarator", "assignment_expression"}, function):
        target = node.child_by_field_name("declarator" if node.type == "init_declarator" else "left")
        value = node.child_by_field_name("value" if node.type == "init_declarator" else "right")
        if target is not None and value is not None and \
                any(word in region.text(target).lower() for word in ("warp", "smem", "shared")):
            yield value
    for call in region.find({"call_expression"}, function):
        callee, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
        if callee is not None and arguments is not None and ALLOCATIONS.match(region.text(callee)):
            yield from arguments.named_children[1:]

def report_single_warp_launches(ctx: RewriteContext, region: Region, function: Node) -> None:
    """`k<<<g, 32>>>` of a kernel that does warp-level work: one block == one 32-lane warp."""
    warp_kernels = functions_with_warp_work(region) | functions_with_asm(region)
    if ctx.wave64:
        from porter.backends.hip.warp_size.groups import grouped_functions

        warp_kernels -= set(grouped_functions(ctx))  # kept at 32 lanes: right in 32-thread blocks
    for call in region.find({"call_expression"}, function):
        config = next((c for c in call.children if c.type == "kernel_call_syntax"), None)
        callee = call.child_by_field_name("function")
        if config is None or callee is None or region.text(callee).split("<")[0] not in warp_kernels:
            continue
        settings = [c for c in config.named_children if c.type != "comment"]
        if len(settings) >= 2 and int_literal(region, settings[1]) == 32:
            report(ctx, region, settings[1], "a block of 32 threads is one warp only on 32-lane GPUs")

def report_half_warps(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    """`lane < 16`: half of a 32-lane warp."""
    for expression in region.find({"binary_expression"}, scope):
        right = expression.child_by_field_name("right")
        if operator_of(expression) in ("<", ">=") and int_literal(region, right) == 16 and \
                mentions_any(region, expression.child_by_field_name("left"), facts.lane_vars):
            report(ctx, region, right, "16 lanes are half of a 32-lane warp")

def report_warp_synchronous_tails(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    """Shared-memory tree reductions that hand the last 32 values to one warp without barriers."""
    for loop in region.find({"for_statement"}, scope):
        condition = loop.child_by_field_name("condition")
        if condition is None or condition.type != "binary_expression" or operator_of(condition) != ">":
            continue
        bound = condition.child_by_field_name("right")
        if int_literal(region, bound) == 32 and mentions_blockdim(region, loop.child_by_field_name("initializer")
                                                               or condition):
            report(ctx, region, bound, "the tree reduction stops at 32 and hands over to one 32-lane warp")
    scope_text = region.data[scope.start_byte:scope.end_byte]
    if b"__syncwarp" in scope_text or b"volatile" in scope_text:
        for subscript in region.find({"subscript_expression"}, scope):
            index = subscript.child_by_field_name("indices")
            inner = strip_parens(index.named_children[0]) if index is not None and index.named_child_count else None
            if inner is not None and inner.type == "binary_expression" and operator_of(inner) == "+" and \
                    int_literal(region, inner.child_by_field_name("right")) == 32 and \
                    inner.child_by_field_name("left").type == "identifier":
                report(ctx, region, inner.child_by_field_name("right"),
                        "a lock-step tail over 32 threads is one warp only on 32-lane GPUs")
    for statement in region.find({"if_statement"}, scope):
        condition = statement.child_by_field_name("condition")
        consequence = statement.child_by_field_name("consequence")
        test = strip_parens(condition.named_children[0]) if condition is not None and condition.named_child_count else None
        if test is None or test.type != "binary_expression" or operator_of(test) != "<" or consequence is None:
            continue
        bound = test.child_by_field_name("right")
        if int_literal(region, bound) == 32 and mentions_thread(region, test.child_by_field_name("left"), facts) \
                and next(iter(region.find({"call_expression"}, consequence)), None) is not None:
            report(ctx, region, bound, "the first 32 threads are one warp only on 32-lane GPUs")

def report_ballot_compares(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    for expression in region.find({"binary_expression"}, scope):
        if operator_of(expression) not in ("==", "!="):
            continue
        left, right = expression.child_by_field_name("left"), expression.child_by_field_name("right")
        if left is None or right is None:
            continue
        for value_side, literal_side in ((left, right), (right, left)):
            if int_literal(region, literal_side) == 0xFFFFFFFF and (
                    mentions_any(region, value_side, facts.ballot_vars) or calls(region, value_side, BALLOTS)):
                report(ctx, region, literal_side, "0xffffffff as 'every lane' of a ballot covers only 32 lanes")
