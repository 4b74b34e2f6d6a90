"""What the warp-size rules know about device code: where it is, and which variables hold
thread indices, lane indices, warp indices and lane masks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from porter.backends.hip.constants import parse_int_literal
from porter.frontends.treesitter import Node, Region

RULE = "warp-size"

SHUFFLES = re.compile(r"^__shfl(_up|_down|_xor)?(_sync)?$")

WARP_CALLS = re.compile(r"^(__shfl\w*|__ballot\w*|__any\w*|__all\w*|__reduce_\w+|__match_\w+)$")

BALLOTS = {"__ballot_sync", "__ballot", "__activemask", "__match_any_sync", "__match_all_sync"}

WARP_SIZE_NAME = re.compile(r"^(k?_?warp_?size|WARP_?SIZE|WARPSIZE|kWarpSize|WARP_SZ|warpsz)$", re.I)

NARROW_TYPES = {"unsigned", "unsigned int", "uint32_t", "int", "int32_t", "uint"}

THREAD_BUILTINS = {"threadIdx"}

@dataclass
class FunctionFacts:
    """What the rule knows about the variables of one device function (or macro body)."""

    thread_vars: set[str] = field(default_factory=set)   # derived from threadIdx
    lane_vars: set[str] = field(default_factory=set)     # a lane index within the warp
    warp_vars: set[str] = field(default_factory=set)     # a warp index within the block
    ballot_vars: set[str] = field(default_factory=set)   # hold a ballot / lane mask
    rewritten_loops: set[int] = field(default_factory=set)  # ids of for-loops made wave-generic

def device_scopes(region: Region) -> list[Node]:
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

def collect_facts(region: Region, scope: Node) -> FunctionFacts:
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
            classify(region, name, value, facts)
        if before == (len(facts.thread_vars), len(facts.lane_vars), len(facts.warp_vars), len(facts.ballot_vars)):
            break
    return facts

def classify(region: Region, name: str, value: Node, facts: FunctionFacts) -> None:
    value = strip_parens(value)
    if mentions_thread(region, value, facts):
        facts.thread_vars.add(name)
    if calls(region, value, {"__lane_id"}) or calls_lane_helper(region, value):
        facts.lane_vars.add(name)
        facts.thread_vars.add(name)
    if value.type == "binary_expression":
        operator, right = operator_of(value), value.child_by_field_name("right")
        literal = parse_int_literal(region.text(right)) if right is not None else None
        if mentions_thread(region, value.child_by_field_name("left"), facts):
            right_text = region.text(right).replace(" ", "") if right is not None else ""
            if (operator, literal) in (("%", 32), ("&", 31)) or \
                    (operator, right_text) in (("%", "warpSize"), ("&", "(warpSize-1)")):
                facts.lane_vars.add(name)
            if (operator, literal) in (("/", 32), (">>", 5)):
                facts.warp_vars.add(name)
    if is_mask_value(region, value, facts):
        facts.ballot_vars.add(name)

def is_mask_value(region: Region, value: Node, facts: FunctionFacts) -> bool:
    """A ballot, a lane bit (`1 << lane`), or bit operations over those -- not, say, a popcount."""
    value = strip_parens(value)
    if value.type == "call_expression":
        function = value.child_by_field_name("function")
        return function is not None and region.text(function) in BALLOTS
    if value.type == "identifier":
        return region.text(value) in facts.ballot_vars
    if value.type == "binary_expression":
        left, right = value.child_by_field_name("left"), value.child_by_field_name("right")
        operator = operator_of(value)
        if operator == "<<" and int_literal(region, left) == 1 and right is not None:
            return mentions_any(region, right, facts.lane_vars) or calls(region, right, {"__lane_id"})
        if operator in ("&", "|", "^", ">>", "<<") and left is not None and right is not None:
            return is_mask_value(region, left, facts) or (operator != "<<" and is_mask_value(region, right, facts))
    if value.type == "unary_expression" and operator_of(value) == "~":
        argument = value.child_by_field_name("argument")
        return argument is not None and is_mask_value(region, argument, facts)
    return False

def calls_lane_helper(region: Region, value: Node) -> bool:
    """`lane = lane_id()`: a helper of the file that returns the lane index."""
    if value.type != "call_expression":
        return False
    function = value.child_by_field_name("function")
    return function is not None and "lane" in region.text(function).lower()

def mentions_thread(region: Region, node: Node | None, facts: FunctionFacts) -> bool:
    """Whether ``node`` computes with the thread index (not with data loaded through it)."""
    if node is None:
        return False
    if node.type == "identifier":
        text = region.text(node)
        return text in THREAD_BUILTINS or text in facts.thread_vars
    if node.type in ("subscript_expression", "call_expression"):
        return False  # a value loaded or returned, not index arithmetic
    return any(mentions_thread(region, child, facts) for child in node.named_children)

def mentions_blockdim(region: Region, node: Node) -> bool:
    return any(region.text(leaf) == "blockDim" for leaf in region.find({"identifier"}, node))

def mentions_any(region: Region, node: Node, names: set[str]) -> bool:
    return bool(names) and any(region.text(leaf) in names for leaf in region.find({"identifier"}, node))

def calls(region: Region, node: Node, names: set[str]) -> bool:
    for call in region.find({"call_expression"}, node):
        function = call.child_by_field_name("function")
        if function is not None and region.text(function) in names:
            return True
    return False

def operator_of(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return operator.type if operator is not None else ""

def strip_parens(node: Node) -> Node:
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node

def int_literal(region: Region, node: Node | None) -> int | None:
    if node is None or node.type != "number_literal":
        return None
    return parse_int_literal(region.text(node))


# --- rewrites for every target ------------------------------------------------------------------

def declared_name(region: Region, declarator: Node) -> str | None:
    node = declarator
    while node is not None and node.type != "identifier":
        node = node.child_by_field_name("declarator")
    return region.text(node) if node is not None else None

def array_name(region: Region, node: Node) -> str:
    """`a` for a[i][j] (subscript) or for a[4][32] (declarator)."""
    field = "argument" if node.type == "subscript_expression" else "declarator"
    while node is not None and node.type in ("subscript_expression", "array_declarator"):
        node = node.child_by_field_name(field)
    return region.text(node) if node is not None else ""

def functions_with_warp_work(region: Region) -> set[str]:
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
            if callee is not None and WARP_CALLS.match(region.text(callee)):
                names.add(region.text(inner))
                break
    object.__setattr__(region, "_porter_warp_functions", names)
    return names


# --- rewrites for 64-lane targets ---------------------------------------------------------------

def functions_with_asm(region: Region) -> set[str]:
    names = set()
    for function in region.find({"function_definition"}, region.root):
        if next(iter(region.find({"gnu_asm_expression"}, function)), None) is not None:
            declarator = function.child_by_field_name("declarator")
            inner = declarator.child_by_field_name("declarator") if declarator is not None else None
            if inner is not None:
                names.add(region.text(inner))
    return names

def is_constant_declaration(region: Region, declarator: Node) -> bool:
    declaration = declarator.parent
    return declaration is not None and any(region.text(c) in ("const", "constexpr") for c in declaration.children)


# --- reports ------------------------------------------------------------------------------------

def inside_rewritten_loop(node: Node, facts: FunctionFacts) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.id in facts.rewritten_loops:
            return True
        parent = parent.parent
    return False
