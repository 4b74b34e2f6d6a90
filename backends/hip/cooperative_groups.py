"""Cooperative groups: HIP has them (hip/hip_cooperative_groups.h), but not every member in every
version. `cg::reduce` (and its operators `cg::plus`, `cg::less`, `cg::greater`, `cg::bit_and`,
`cg::bit_or`, `cg::bit_xor`) on a HIP without them becomes porter's shuffle reduction
(`__porter_cg::reduce`, helper "cg_reduce"); other members the target HIP lacks are reported."""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.tables import porter_table
from porter.frontends.treesitter import Node, Region

NAMESPACE = "cooperative_groups"
RULE = "cooperative-groups"
#: What porter's helper provides in namespace __porter_cg when HIP lacks cg::reduce.
REDUCE_NAMES = frozenset({"reduce", "plus", "less", "greater", "bit_and", "bit_or", "bit_xor"})
HELPER_NAMESPACE = "__porter_cg"


def check_cooperative_groups(ctx: RewriteContext) -> None:
    features = porter_table()["cooperative_groups"]
    missing = {name: entry["since"] for name, entry in features.items()
               if not ctx.options.at_least(entry["since"])}
    members = {name for name, entry in features.items() if entry.get("member")}
    if not missing or NAMESPACE not in ctx.source.text:
        return
    aliases = _namespace_aliases(ctx)
    for region in ctx.regions:
        for node in region.find({"field_expression", "qualified_identifier"}, region.root):
            name_node = _feature_name(region, node, aliases)
            if name_node is None or (node.type == "field_expression" and region.text(name_node) not in members):
                continue
            name = region.text(name_node.child_by_field_name("name") or name_node)
            if "reduce" in missing and node.type == "qualified_identifier" and name in REDUCE_NAMES:
                scope = node.child_by_field_name("scope")
                if ctx.replace_node(region, scope, HELPER_NAMESPACE, RULE):
                    ctx.helpers_needed.add("cg_reduce")
                continue
            if name in missing:
                since = missing[name]
                later = "no HIP version yet" if since.startswith("99") else f"HIP {since}"
                ctx.report("P0240", f"cooperative_groups `{name}` is not in HIP {ctx.options.hip_version} "
                           f"(it arrives in {later})", region, name_node,
                           "compute it from the group's size and thread_rank(), or use shuffles")


def _feature_name(region: Region, node: Node, aliases: set[str]) -> Node | None:
    if node.type == "field_expression":
        field = node.child_by_field_name("field")
        parent = node.parent
        if field is not None and parent is not None and parent.type == "call_expression":
            return field
        return None
    scope = node.child_by_field_name("scope")
    name = node.child_by_field_name("name")
    if scope is not None and name is not None and region.text(scope) in aliases:
        return name if name.type in ("identifier", "template_function", "template_type") else None
    return None


def _namespace_aliases(ctx: RewriteContext) -> set[str]:
    aliases = {NAMESPACE}
    region = ctx.syntax.file_region()
    for node in region.find({"namespace_alias_definition"}, region.root):
        text = region.text(node)
        if NAMESPACE in text:
            name = node.child_by_field_name("name")
            if name is not None:
                aliases.add(region.text(name))
    return aliases
