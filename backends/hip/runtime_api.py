"""Runtime-API details the rename tables cannot express: `void**` out-pointer casts, and struct
members HIP spells differently in some versions (``cudaPointerAttributes::type`` was
``memoryType`` before HIP 6.0)."""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.tables import porter_table
from porter.backends.hip.warp_builtins import declared_type

RULE = "runtime-api"


def rewrite_runtime_api(ctx: RewriteContext) -> None:
    table = porter_table()
    casts = {name for name, entry in table["void_out_pointer"].items() if not ctx.options.at_least(entry["until"])}
    members = {struct: {member: entry["hip"] for member, entry in fields.items()
                        if not ctx.options.at_least(entry["until"])}
               for struct, fields in table["member_renames"].items()}
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            function, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
            if function is None or arguments is None or region.text(function) not in casts:
                continue
            first = next((a for a in arguments.named_children if a.type != "comment"), None)
            if first is not None and not region.text(first).replace(" ", "").startswith("(void**)"):
                ctx.insert(region.base + first.start_byte, "(void**)", RULE)
        for access in region.find({"field_expression"}, region.root):
            target, field = access.child_by_field_name("argument"), access.child_by_field_name("field")
            if target is None or field is None or target.type != "identifier":
                continue
            renamed = members.get(declared_type(region, access, region.text(target)) or "", {})
            if region.text(field) in renamed:
                ctx.replace_node(region, field, renamed[region.text(field)], RULE)
