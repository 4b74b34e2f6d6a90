"""Warp-size assumptions: CUDA warps have 32 lanes; AMD wavefronts have 64 (CDNA) or 32 (RDNA).

Code that hard-codes 32 lanes computes something else on a 64-lane wavefront, silently. This rule
finds those assumptions in device code and either rewrites them so that they hold for the
target's wavefront, or reports them on their line:

rewritten for every target (the result is right for 32 and 64 lanes)
  * lane and warp arithmetic on thread indices: `t % 32`, `t & 31`, `t / 32`, `t >> 5`,
    `(blockDim.x + 31) / 32`, `lane == 31`  ->  `warpSize` forms;
  * shuffle loops over lane offsets: `for (o = 16; o > 0; o /= 2)`, `for (o = 1; o < 32; o *= 2)`;
  * `if (t < 32)` guarding warp-level work (a shuffle or ballot inside);
  * `__popc`/`__ffs`/`__clz`/`__brev` of a ballot -> their 64-bit forms (HIP's ballots are
    64-bit on every AMD GPU).
rewritten for 64-lane targets (they need the target's wave size as a constant or a wider type)
  * ballot results kept in 32-bit variables -> `unsigned long long`;
  * `1u << lane` -> `1ull << lane`;
  * per-lane shared arrays `__shared__ T s[32]` indexed by a lane -> sized by the wave;
  * warp-size constants (`#define WARP_SIZE 32`, `constexpr int kWarpSize = 32`).
reported (P0210: an error on 64-lane targets, a note on 32-lane ones)
  * shuffles with a literal lane offset of 16 or source lane 31 outside a rewritten loop
    (unrolled reductions need one more step on 64 lanes);
  * a ballot compared with 0xffffffff ("all lanes voted").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from porter.backends.hip.constants import parse_int_literal
from porter.backends.hip.context import RewriteContext
from porter.backends.hip.tables import porter_table
from porter.diagnostics import Severity
from porter.frontends.treesitter import Node, Region

RULE = "warp-size"
_SHUFFLES = re.compile(r"^__shfl(_up|_down|_xor)?(_sync)?$")
_WARP_CALLS = re.compile(r"^(__shfl\w*|__ballot\w*|__any\w*|__all\w*|__reduce_\w+|__match_\w+)$")
_BALLOTS = {"__ballot_sync", "__ballot", "__activemask", "__match_any_sync", "__match_all_sync"}
_WARP_SIZE_NAME = re.compile(r"^(k?_?warp_?size|WARP_?SIZE|WARPSIZE|kWarpSize|WARP_SZ|warpsz)$", re.I)
_NARROW_TYPES = {"unsigned", "unsigned int", "uint32_t", "int", "int32_t", "uint"}
_THREAD_BUILTINS = {"threadIdx"}


@dataclass
class FunctionFacts:
    """What the rule knows about the variables of one device function (or macro body)."""

    thread_vars: set[str] = field(default_factory=set)   # derived from threadIdx
    lane_vars: set[str] = field(default_factory=set)     # a lane index within the warp
    warp_vars: set[str] = field(default_factory=set)     # a warp index within the block
    ballot_vars: set[str] = field(default_factory=set)   # hold a ballot / lane mask
    rewritten_loops: set[int] = field(default_factory=set)  # ids of for-loops made wave-generic


def rewrite_warp_size(ctx: RewriteContext) -> None:
    for region in ctx.regions:
        for scope in _device_scopes(region):
            facts = _collect_facts(region, scope)
            _rewrite_loops(ctx, region, scope, facts)
            _rewrite_arithmetic(ctx, region, scope, facts)
            _rewrite_first_warp_guards(ctx, region, scope, facts)
            _rewrite_ballot_types(ctx, region, scope, facts)
            _rewrite_bit_builtins(ctx, region, scope, facts)
            _rewrite_lane_shifts(ctx, region, scope, facts)
            _rewrite_lane_arrays(ctx, region, scope, facts)
            _rewrite_warp_count_array_sizes(ctx, region, scope)
            _report_fixed_lane_shuffles(ctx, region, scope, facts)
            _report_half_warps(ctx, region, scope, facts)
            _report_warp_synchronous_tails(ctx, region, scope, facts)
            _report_ballot_compares(ctx, region, scope, facts)
        _rewrite_warp_size_constants(ctx, region)
        _rewrite_mask_constants(ctx, region)
        _report_host_warp_counts(ctx, region)


# --- where device code is ---------------------------------------------------------------------

def _device_scopes(region: Region) -> list[Node]:
    if region.macro is not None:
        text = region.data
        markers = (b"threadIdx", b"blockDim", b"__shfl", b"__ballot")
        return [region.root] if any(marker in text for marker in markers) else []
    scopes = []
    for function in region.find({"function_definition"}, region.root):
        qualifiers = {c.type for c in function.children} | {region.text(c) for c in function.children
                                                          if c.type in ("type_qualifier", "storage_class_specifier")}
        if qualifiers & {"__global__", "__device__"}:
            scopes.append(function)
    return scopes


# --- facts --------------------------------------------------------------------------------------

def _collect_facts(region: Region, scope: Node) -> FunctionFacts:
    facts = FunctionFacts()
    bindings: list[tuple[str, Node]] = []
    for node in region.find({"init_declarator", "assignment_expression"}, scope):
        target = node.child_by_field_name("declarator" if node.type == "init_declarator" else "left")
        value = node.child_by_field_name("value" if node.type == "init_declarator" else "right")
        if target is not None and value is not None and target.type == "identifier":
            bindings.append((region.text(target), value))
    for _ in range(4):  # to a fixed point over chains like tid -> lane -> mask
        before = (len(facts.thread_vars), len(facts.lane_vars), len(facts.warp_vars), len(facts.ballot_vars))
        for name, value in bindings:
            _classify(region, name, value, facts)
        if before == (len(facts.thread_vars), len(facts.lane_vars), len(facts.warp_vars), len(facts.ballot_vars)):
            break
    return facts


def _classify(region: Region, name: str, value: Node, facts: FunctionFacts) -> None:
    value = _strip_parens(value)
    if _mentions_thread(region, value, facts):
        facts.thread_vars.add(name)
    if _calls(region, value, {"__lane_id"}) or _calls_lane_helper(region, value):
        facts.lane_vars.add(name)
        facts.thread_vars.add(name)
    if value.type == "binary_expression":
        operator, right = _operator(value), value.child_by_field_name("right")
        literal = parse_int_literal(region.text(right)) if right is not None else None
        if _mentions_thread(region, value.child_by_field_name("left"), facts):
            right_text = region.text(right).replace(" ", "") if right is not None else ""
            if (operator, literal) in (("%", 32), ("&", 31)) or \
                    (operator, right_text) in (("%", "warpSize"), ("&", "(warpSize-1)")):
                facts.lane_vars.add(name)
            if (operator, literal) in (("/", 32), (">>", 5)):
                facts.warp_vars.add(name)
    if _is_mask_value(region, value, facts):
        facts.ballot_vars.add(name)


def _is_mask_value(region: Region, value: Node, facts: FunctionFacts) -> bool:
    """A ballot, a lane bit (`1 << lane`), or bit operations over those -- not, say, a popcount."""
    value = _strip_parens(value)
    if value.type == "call_expression":
        function = value.child_by_field_name("function")
        return function is not None and region.text(function) in _BALLOTS
    if value.type == "identifier":
        return region.text(value) in facts.ballot_vars
    if value.type == "binary_expression":
        left, right = value.child_by_field_name("left"), value.child_by_field_name("right")
        operator = _operator(value)
        if operator == "<<" and _literal(region, left) == 1 and right is not None:
            return _mentions_any(region, right, facts.lane_vars) or _calls(region, right, {"__lane_id"})
        if operator in ("&", "|", "^", ">>", "<<") and left is not None and right is not None:
            return _is_mask_value(region, left, facts) or (operator != "<<" and _is_mask_value(region, right, facts))
    if value.type == "unary_expression" and _operator(value) == "~":
        argument = value.child_by_field_name("argument")
        return argument is not None and _is_mask_value(region, argument, facts)
    return False


def _calls_lane_helper(region: Region, value: Node) -> bool:
    """`lane = lane_id()`: a helper of the file that returns the lane index."""
    if value.type != "call_expression":
        return False
    function = value.child_by_field_name("function")
    return function is not None and "lane" in region.text(function).lower()


def _mentions_thread(region: Region, node: Node | None, facts: FunctionFacts) -> bool:
    """Whether ``node`` computes with the thread index (not with data loaded through it)."""
    if node is None:
        return False
    if node.type == "identifier":
        text = region.text(node)
        return text in _THREAD_BUILTINS or text in facts.thread_vars
    if node.type in ("subscript_expression", "call_expression"):
        return False  # a value loaded or returned, not index arithmetic
    return any(_mentions_thread(region, child, facts) for child in node.named_children)


def _mentions_blockdim(region: Region, node: Node) -> bool:
    return any(region.text(leaf) == "blockDim" for leaf in region.find({"identifier"}, node))


def _mentions_any(region: Region, node: Node, names: set[str]) -> bool:
    return bool(names) and any(region.text(leaf) in names for leaf in region.find({"identifier"}, node))


def _calls(region: Region, node: Node, names: set[str]) -> bool:
    for call in region.find({"call_expression"}, node):
        function = call.child_by_field_name("function")
        if function is not None and region.text(function) in names:
            return True
    return False


def _operator(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return operator.type if operator is not None else ""


def _strip_parens(node: Node) -> Node:
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def _literal(region: Region, node: Node | None) -> int | None:
    if node is None or node.type != "number_literal":
        return None
    return parse_int_literal(region.text(node))


# --- rewrites for every target ------------------------------------------------------------------

def _rewrite_loops(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    for loop in region.find({"for_statement"}, scope):
        variable, start = _loop_start(region, loop)
        if variable is not None and _strides_by_warp(ctx, region, loop, variable, start, facts):
            continue
        if variable is None or not (_used_as_shuffle_offset(region, loop, variable)
                                    or _used_with_lane_index(region, loop, variable, facts)):
            continue
        condition = loop.child_by_field_name("condition")
        if _literal(region, start) == 16:
            if ctx.replace_node(region, start, "warpSize / 2", RULE):
                facts.rewritten_loops.add(loop.id)
        elif _literal(region, start) == 1 and condition is not None:
            bound = condition.child_by_field_name("right") if condition.type == "binary_expression" else None
            if _literal(region, bound) == 32 and ctx.replace_node(region, bound, "warpSize", RULE):
                facts.rewritten_loops.add(loop.id)
            elif _literal(region, bound) == 16 and ctx.replace_node(region, bound, "warpSize / 2", RULE):
                facts.rewritten_loops.add(loop.id)


def _loop_start(region: Region, loop: Node) -> tuple[str | None, Node | None]:
    initializer = loop.child_by_field_name("initializer")
    if initializer is None:
        return None, None
    for node in region.find({"init_declarator", "assignment_expression"}, initializer):
        target = node.child_by_field_name("declarator" if node.type == "init_declarator" else "left")
        value = node.child_by_field_name("value" if node.type == "init_declarator" else "right")
        if target is not None and value is not None and target.type == "identifier":
            return region.text(target), value
    return None, None


def _used_as_shuffle_offset(region: Region, loop: Node, variable: str) -> bool:
    body = loop.child_by_field_name("body")
    if body is None:
        return False
    for call in region.find({"call_expression"}, body):
        function = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if function is None or arguments is None:
            continue
        name = region.text(function)
        if _SHUFFLES.match(name):  # not tile.shfl_*(): a thread_block_tile<N> names its width
            if any(region.text(a) == variable for a in arguments.named_children):
                return True
    return False


def _strides_by_warp(ctx: RewriteContext, region: Region, loop: Node, variable: str, start: Node,
                     facts: FunctionFacts) -> bool:
    """`for (c = lane; c < n; c += 32)`: the lanes of a warp stride over a row together."""
    update = loop.child_by_field_name("update")
    if update is None or not _mentions_any(region, start, facts.lane_vars):
        return False
    if update.type == "assignment_expression" and region.text(update.child_by_field_name("left")) == variable \
            and update.child_by_field_name("operator") is not None \
            and update.child_by_field_name("operator").type == "+=":
        step = update.child_by_field_name("right")
        if _literal(region, step) == 32:
            return ctx.replace_node(region, step, "warpSize", RULE)
    return False


def _used_with_lane_index(region: Region, loop: Node, variable: str, facts: FunctionFacts) -> bool:
    """`a[lane + o]` inside the loop: a tree over the lanes of a warp."""
    body = loop.child_by_field_name("body")
    if body is None or not facts.lane_vars:
        return False
    for subscript in region.find({"subscript_expression"}, body):
        indices = subscript.child_by_field_name("indices")
        if indices is not None and _mentions_any(region, indices, {variable}) and \
                _mentions_any(region, indices, facts.lane_vars):
            return True
    return False


def _rewrite_arithmetic(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    for expression in region.find({"binary_expression"}, scope):
        operator = _operator(expression)
        left, right = expression.child_by_field_name("left"), expression.child_by_field_name("right")
        value = _literal(region, right)
        if value is None or left is None:
            continue
        threadish = _mentions_thread(region, left, facts)
        if operator == "%" and value == 32 and threadish:
            ctx.replace_node(region, right, "warpSize", RULE)
        elif operator == "&" and value == 31 and threadish:
            ctx.replace_node(region, right, "(warpSize - 1)", RULE)
        elif operator == "/" and value == 32 and (threadish or _mentions_blockdim(region, left)):
            if ctx.replace_node(region, right, "warpSize", RULE):
                _rewrite_round_up(ctx, region, left)
        elif operator == ">>" and value == 5 and (threadish or _mentions_blockdim(region, left)):
            operator_node = expression.child_by_field_name("operator")
            base = region.base
            if not ctx.edits.overlaps(base + operator_node.start_byte, base + right.end_byte):
                ctx.insert(base + left.start_byte, "(", RULE)
                ctx.replace(base + left.end_byte, base + right.end_byte, ") / warpSize", RULE)
        elif operator in ("==", "!=") and value == 31 and _mentions_any(region, left, facts.lane_vars):
            ctx.replace_node(region, right, "(warpSize - 1)", RULE)


def _rewrite_round_up(ctx: RewriteContext, region: Region, dividend: Node) -> None:
    """`(n + 31) / 32` rounds up to whole warps: the 31 is warpSize - 1."""
    inner = _strip_parens(dividend)
    if inner.type == "binary_expression" and _operator(inner) == "+":
        addend = inner.child_by_field_name("right")
        if _literal(region, addend) == 31:
            ctx.replace_node(region, addend, "(warpSize - 1)", RULE)


def _rewrite_first_warp_guards(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    for statement in region.find({"if_statement"}, scope):
        condition = statement.child_by_field_name("condition")
        consequence = statement.child_by_field_name("consequence")
        if condition is None or consequence is None:
            continue
        test = _strip_parens(condition.named_children[0]) if condition.named_child_count else None
        if test is None or test.type != "binary_expression" or _operator(test) != "<":
            continue
        bound = test.child_by_field_name("right")
        if _literal(region, bound) == 32 and _mentions_thread(region, test.child_by_field_name("left"), facts) \
                and _has_warp_work(region, consequence, scope):
            ctx.replace_node(region, bound, "warpSize", RULE)


def _has_warp_work(region: Region, body: Node, scope: Node) -> bool:
    """A warp built-in in the body, or a call of a device function of this file that has one."""
    for call in region.find({"call_expression"}, body):
        function = call.child_by_field_name("function")
        if function is None:
            continue
        name = region.text(function).split("<")[0]
        if _WARP_CALLS.match(name) or name in _functions_with_warp_work(region):
            return True
    return False


def _functions_with_warp_work(region: Region) -> set[str]:
    cached = getattr(region, "_porter_warp_functions", None)
    if cached is not None:
        return cached
    names: set[str] = set()
    for function in region.find({"function_definition"}, region.root):
        declarator = function.child_by_field_name("declarator")
        inner = declarator.child_by_field_name("declarator") if declarator is not None else None
        if inner is None:
            continue
        for call in region.find({"call_expression"}, function):
            callee = call.child_by_field_name("function")
            if callee is not None and _WARP_CALLS.match(region.text(callee)):
                names.add(region.text(inner))
                break
    object.__setattr__(region, "_porter_warp_functions", names)
    return names


# --- rewrites for 64-lane targets ---------------------------------------------------------------

def _rewrite_ballot_types(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    if not ctx.wave64 or not facts.ballot_vars:
        return
    for declaration in region.find({"declaration"}, scope):
        type_node = declaration.child_by_field_name("type")
        if type_node is None or " ".join(region.text(type_node).split()) not in _NARROW_TYPES:
            continue
        names = {_declared_name(region, d) for d in declaration.children_by_field_name("declarator")}
        if names & facts.ballot_vars:
            ctx.replace_node(region, type_node, "unsigned long long", RULE)


def _declared_name(region: Region, declarator: Node) -> str | None:
    node = declarator
    while node is not None and node.type != "identifier":
        node = node.child_by_field_name("declarator")
    return region.text(node) if node is not None else None


def _rewrite_bit_builtins(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    # For every target: HIP's ballots are 64 bits wide even on 32-lane GPUs, and __ffs/__clz of a
    # 64-bit value is ambiguous there.
    wide = porter_table()["bit_builtins_64"]
    for call in region.find({"call_expression"}, scope):
        function = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if function is None or arguments is None:
            continue
        name = region.text(function)
        if not (_calls(region, arguments, _BALLOTS) or _mentions_any(region, arguments, facts.ballot_vars)):
            continue
        if name in wide:
            ctx.replace_node(region, function, wide[name], RULE)
        elif ctx.wave64 and any(bit in name.lower() for bit in ("popc", "ffs", "clz", "brev")):
            _report(ctx, region, function, f"`{name}` takes a 32-bit value; a 64-lane ballot is 64 bits")


def _rewrite_lane_shifts(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    if not ctx.wave64:
        return
    for expression in region.find({"binary_expression"}, scope):
        if _operator(expression) != "<<":
            continue
        left, right = expression.child_by_field_name("left"), expression.child_by_field_name("right")
        if _literal(region, left) == 1 and right is not None and \
                (_mentions_any(region, right, facts.lane_vars) or _calls(region, right, {"__lane_id"})):
            ctx.replace_node(region, left, "1ull", RULE)


def _rewrite_lane_arrays(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    if not ctx.wave64 or not facts.lane_vars:
        return
    lane_indexed, warp_indexed = set(), set()
    for subscript in region.find({"subscript_expression"}, scope):
        indices = subscript.child_by_field_name("indices")
        if indices is None or (subscript.parent is not None and subscript.parent.type == "subscript_expression"
                               and subscript.parent.child_by_field_name("argument") == subscript):
            continue  # only the last index of a[i][j]
        index = region.text(indices).strip("[] ")
        array = _array_name(region, subscript)
        if index in facts.lane_vars:
            lane_indexed.add(array)
        if index in facts.warp_vars:
            warp_indexed.add(array)
    for declarator in region.find({"array_declarator"}, scope):
        name, size = _array_name(region, declarator), declarator.child_by_field_name("size")
        if size is None or name not in lane_indexed - warp_indexed or \
                (declarator.parent is not None and declarator.parent.type == "array_declarator"):
            continue
        declaration = declarator.parent
        if declaration is not None and "__shared__" in region.text(declaration) and _literal(region, size) == 32:
            ctx.replace_node(region, size, str(ctx.options.wave_size), RULE)


def _array_name(region: Region, node: Node) -> str:
    """`a` for a[i][j] (subscript) or for a[4][32] (declarator)."""
    field = "argument" if node.type == "subscript_expression" else "declarator"
    while node is not None and node.type in ("subscript_expression", "array_declarator"):
        node = node.child_by_field_name(field)
    return region.text(node) if node is not None else ""


def _rewrite_warp_count_array_sizes(ctx: RewriteContext, region: Region, scope: Node) -> None:
    """`__shared__ T per_warp[BLOCK / 32]`: one slot per warp needs the target's warp count."""
    if not ctx.wave64:
        return
    for declarator in region.find({"array_declarator"}, scope):
        size = declarator.child_by_field_name("size")
        if size is not None and size.type == "binary_expression" and _operator(size) == "/" and \
                _literal(region, size.child_by_field_name("right")) == 32:
            ctx.replace_node(region, size.child_by_field_name("right"), str(ctx.options.wave_size), RULE)


def _rewrite_mask_constants(ctx: RewriteContext, region: Region) -> None:
    """Lane-mask constants used by *_sync built-ins (`#define FULL_MASK 0xffffffff`,
    `const unsigned mask = 0xffffffff;`): full masks widen to 64 bits on 64-lane targets; partial
    ones are reported, since which lanes they mean depends on the warp size."""
    used = _sync_mask_names(ctx)
    if region.macro is not None:
        if region.macro in used:
            _mask_definition(ctx, region, region.root, None)
        return
    for declarator in region.find({"init_declarator"}, region.root):
        name, value = declarator.child_by_field_name("declarator"), declarator.child_by_field_name("value")
        if name is not None and value is not None and region.text(name) in used and value.type == "number_literal":
            _mask_definition(ctx, region, value, declarator.parent)


def _mask_definition(ctx: RewriteContext, region: Region, root: Node, declaration: Node | None) -> None:
    literal = next(iter(region.find({"number_literal"}, root)), None) if root.type != "number_literal" else root
    value = _literal(region, literal)
    if literal is None or value is None:
        return
    if value == 0xFFFFFFFF:
        if not ctx.wave64:
            return
        type_node = declaration.child_by_field_name("type") if declaration is not None else None
        if type_node is not None and " ".join(region.text(type_node).split()) in _NARROW_TYPES:
            ctx.replace_node(region, type_node, "unsigned long long", RULE)
        ctx.replace_node(region, literal, "0xffffffffffffffffULL", RULE)
    else:
        _report(ctx, region, literal, "a partial lane mask names lanes of a 32-lane warp")


def _sync_mask_names(ctx: RewriteContext) -> set[str]:
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


def _rewrite_warp_size_constants(ctx: RewriteContext, region: Region) -> None:
    if not ctx.wave64:
        return
    if region.macro is not None:
        if _WARP_SIZE_NAME.match(region.macro) and parse_int_literal(region.data.decode().strip()) == 32:
            number = next(iter(region.find({"number_literal"}, region.root)), None)
            if number is not None:
                ctx.replace_node(region, number, str(ctx.options.wave_size), RULE)
        return
    for declarator in region.find({"init_declarator"}, region.root):
        name, value = declarator.child_by_field_name("declarator"), declarator.child_by_field_name("value")
        if name is None or value is None:
            continue
        if _WARP_SIZE_NAME.match(region.text(name)) and _literal(region, value) == 32:
            ctx.replace_node(region, value, str(ctx.options.wave_size), RULE)
        elif "warp" in region.text(name).lower() and _is_constant_declaration(region, declarator) and \
                value.type == "binary_expression" and _operator(value) == "/" and \
                _literal(region, value.child_by_field_name("right")) == 32:
            # `constexpr int kWarps = kThreads / 32;`: a compile-time warp count
            ctx.replace_node(region, value.child_by_field_name("right"), str(ctx.options.wave_size), RULE)


def _is_constant_declaration(region: Region, declarator: Node) -> bool:
    declaration = declarator.parent
    return declaration is not None and any(region.text(c) in ("const", "constexpr") for c in declaration.children)


# --- reports ------------------------------------------------------------------------------------

def _report(ctx: RewriteContext, region: Region, node: Node, message: str) -> None:
    if ctx.edits.overlaps(region.base + node.start_byte, region.base + node.end_byte):
        return
    severity = Severity.ERROR if ctx.wave64 else Severity.NOTE
    where = (f"wrong on {ctx.options.offload_arch}'s 64-lane wavefronts" if ctx.wave64
             else f"right on {ctx.options.offload_arch}'s 32-lane wavefronts, wrong on 64-lane CDNA GPUs")
    ctx.report("P0210", f"{message} ({where})", region, node, severity=severity)


def _report_fixed_lane_shuffles(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    for call in region.find({"call_expression"}, scope):
        function = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if function is None or arguments is None or not _SHUFFLES.match(region.text(function)):
            continue
        if _inside_rewritten_loop(call, facts):
            continue
        values = [a for a in arguments.named_children if a.type != "comment"]
        lane_argument = values[2] if region.text(function).endswith("_sync") and len(values) > 2 else \
            (values[1] if len(values) > 1 else None)
        literal = _literal(region, lane_argument)
        if literal == 16:
            _report(ctx, region, lane_argument, "shuffle by a fixed 16 lanes assumes a 32-lane warp "
                                                "(a 64-lane reduction needs a step of 32 first)")
        elif literal == 31:
            _report(ctx, region, lane_argument, "lane 31 is the last lane only of a 32-lane warp")


def _report_host_warp_counts(ctx: RewriteContext, region: Region) -> None:
    """Host code that sizes per-warp data with 32 lanes (`num_warps = threads / 32`)."""
    if region.macro is not None:
        return
    device = {scope.id for scope in _device_scopes(region)}
    for function in region.find({"function_definition"}, region.root):
        if function.id in device:
            continue
        for value in _host_sizes(region, function):
            for expression in region.find({"binary_expression"}, value):
                right = expression.child_by_field_name("right")
                left = expression.child_by_field_name("left")
                pair = (_operator(expression), _literal(region, right))
                if pair in (("/", 32), (">>", 5)):
                    _report(ctx, region, right, "host code counts warps of 32 threads "
                                                "(query hipDeviceProp_t::warpSize instead)")
        for expression in region.find({"binary_expression"}, function):
            right, left = expression.child_by_field_name("right"), expression.child_by_field_name("left")
            if left is None or _literal(region, right) != 32:
                continue
            named = region.text(left).lower()
            if _operator(expression) == "*" and "warp" in named:
                _report(ctx, region, right, "host code sizes blocks as warps of 32 threads")
            elif _operator(expression) == "/" and "thread" in named:
                _report(ctx, region, right, "host code counts warps of 32 threads "
                                            "(query hipDeviceProp_t::warpSize instead)")
        _report_single_warp_launches(ctx, region, function)


_ALLOCATIONS = re.compile(r"^(cuda|hip)(Malloc\w*|Memset\w*|Memcpy\w*)$")


def _host_sizes(region: Region, function: Node):
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
        if callee is not None and arguments is not None and _ALLOCATIONS.match(region.text(callee)):
            yield from arguments.named_children[1:]


def _report_single_warp_launches(ctx: RewriteContext, region: Region, function: Node) -> None:
    """`k<<<g, 32>>>` of a kernel that does warp-level work: one block == one 32-lane warp."""
    warp_kernels = _functions_with_warp_work(region) | _functions_with_asm(region)
    for call in region.find({"call_expression"}, function):
        config = next((c for c in call.children if c.type == "kernel_call_syntax"), None)
        callee = call.child_by_field_name("function")
        if config is None or callee is None or region.text(callee).split("<")[0] not in warp_kernels:
            continue
        settings = [c for c in config.named_children if c.type != "comment"]
        if len(settings) >= 2 and _literal(region, settings[1]) == 32:
            _report(ctx, region, settings[1], "a block of 32 threads is one warp only on 32-lane GPUs")


def _functions_with_asm(region: Region) -> set[str]:
    names = set()
    for function in region.find({"function_definition"}, region.root):
        if next(iter(region.find({"gnu_asm_expression"}, function)), None) is not None:
            declarator = function.child_by_field_name("declarator")
            inner = declarator.child_by_field_name("declarator") if declarator is not None else None
            if inner is not None:
                names.add(region.text(inner))
    return names


def _report_half_warps(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    """`lane < 16`: half of a 32-lane warp."""
    for expression in region.find({"binary_expression"}, scope):
        right = expression.child_by_field_name("right")
        if _operator(expression) in ("<", ">=") and _literal(region, right) == 16 and \
                _mentions_any(region, expression.child_by_field_name("left"), facts.lane_vars):
            _report(ctx, region, right, "16 lanes are half of a 32-lane warp")


def _report_warp_synchronous_tails(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    """Shared-memory tree reductions that hand the last 32 values to one warp without barriers."""
    for loop in region.find({"for_statement"}, scope):
        condition = loop.child_by_field_name("condition")
        if condition is None or condition.type != "binary_expression" or _operator(condition) != ">":
            continue
        bound = condition.child_by_field_name("right")
        if _literal(region, bound) == 32 and _mentions_blockdim(region, loop.child_by_field_name("initializer")
                                                               or condition):
            _report(ctx, region, bound, "the tree reduction stops at 32 and hands over to one 32-lane warp")
    scope_text = region.data[scope.start_byte:scope.end_byte]
    if b"__syncwarp" in scope_text or b"volatile" in scope_text:
        for subscript in region.find({"subscript_expression"}, scope):
            index = subscript.child_by_field_name("indices")
            inner = _strip_parens(index.named_children[0]) if index is not None and index.named_child_count else None
            if inner is not None and inner.type == "binary_expression" and _operator(inner) == "+" and \
                    _literal(region, inner.child_by_field_name("right")) == 32 and \
                    inner.child_by_field_name("left").type == "identifier":
                _report(ctx, region, inner.child_by_field_name("right"),
                        "a lock-step tail over 32 threads is one warp only on 32-lane GPUs")
    for statement in region.find({"if_statement"}, scope):
        condition = statement.child_by_field_name("condition")
        consequence = statement.child_by_field_name("consequence")
        test = _strip_parens(condition.named_children[0]) if condition is not None and condition.named_child_count else None
        if test is None or test.type != "binary_expression" or _operator(test) != "<" or consequence is None:
            continue
        bound = test.child_by_field_name("right")
        if _literal(region, bound) == 32 and _mentions_thread(region, test.child_by_field_name("left"), facts) \
                and next(iter(region.find({"call_expression"}, consequence)), None) is not None:
            _report(ctx, region, bound, "the first 32 threads are one warp only on 32-lane GPUs")


def _inside_rewritten_loop(node: Node, facts: FunctionFacts) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.id in facts.rewritten_loops:
            return True
        parent = parent.parent
    return False


def _report_ballot_compares(ctx: RewriteContext, region: Region, scope: Node, facts: FunctionFacts) -> None:
    for expression in region.find({"binary_expression"}, scope):
        if _operator(expression) not in ("==", "!="):
            continue
        left, right = expression.child_by_field_name("left"), expression.child_by_field_name("right")
        if left is None or right is None:
            continue
        for value_side, literal_side in ((left, right), (right, left)):
            if _literal(region, literal_side) == 0xFFFFFFFF and (
                    _mentions_any(region, value_side, facts.ballot_vars) or _calls(region, value_side, _BALLOTS)):
                _report(ctx, region, literal_side, "0xffffffff as 'every lane' of a ballot covers only 32 lanes")
