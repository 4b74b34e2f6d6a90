"""Runtime-API details the rename tables cannot express: `void**` out-pointer casts, struct
members HIP spells differently in some versions (``cudaPointerAttributes::type`` was
``memoryType`` before HIP 6.0), and calls in a newer CUDA form than HIP's (``[changed_calls]``:
CUDA 13's ``cudaMemPrefetchAsync(ptr, n, cudaMemLocation, flags, stream)`` becomes HIP's
``hipMemPrefetchAsync(ptr, n, device, stream)``)."""

from __future__ import annotations

import re

from porter.backends.hip.context import RewriteContext
from porter.frontends.treesitter import Node, Region
from porter.backends.hip.tables import porter_table
from porter.backends.hip.warp_builtins import declared_type

RULE = "runtime-api"


def rewrite_runtime_api(ctx: RewriteContext) -> None:
    table = porter_table()
    casts = {name for name, entry in table["void_out_pointer"].items() if not ctx.options.at_least(entry["until"])}
    members = {struct: {member: entry["hip"] for member, entry in fields.items()
                        if not ctx.options.at_least(entry["until"])}
               for struct, fields in table["member_renames"].items()}
    changed = table.get("changed_calls", {})
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            function, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
            if function is not None and arguments is not None and region.text(function) in changed:
                _changed_call(ctx, region, function, arguments, changed[region.text(function)])
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


#: `{cudaMemLocationTypeDevice, dev}`, `cudaMemLocation{...}` or `{.type = ..., .id = dev}`.
_LOCATION_LITERAL = re.compile(r"^(?:cudaMemLocation\s*)?\{\s*(?:\.type\s*=\s*)?(cudaMemLocationType\w+)\s*,"
                               r"\s*(?:\.id\s*=\s*)?(.+?)\s*\}$", re.S)


def _changed_call(ctx: RewriteContext, region: Region, function: Node, arguments: Node, entry: dict) -> None:
    """A call in the newer CUDA form (a cudaMemLocation where HIP takes a device id): rewritten to
    HIP's form when the location is readable, else reported; the older form is left to the renames."""
    name = region.text(function)
    args = [a for a in arguments.named_children if a.type != "comment"]
    at, flags_at = entry["location_arg"], entry.get("flags_arg")
    if len(args) <= at:
        return
    location = args[at]
    text = region.text(location).strip()
    literal = _LOCATION_LITERAL.match(text)
    typed = location.type == "identifier" and (declared_type(region, location, text) or "").split()[-1:] == [
        "cudaMemLocation"]
    if literal is None and not typed:
        if not text.startswith("{") and "cudaMemLocation" not in text:
            return  # the older form: a device id
        ctx.report("P0283", f"`{name}` with a cudaMemLocation (CUDA {entry['cuda']}): HIP's `{entry['hip']}` "
                   "takes a device id, and porter cannot read this location", region, location,
                   "pass the device id (hipCpuDeviceId for the host) and drop the flags argument")
        return
    if literal is not None:
        kind, device = literal.groups()
        device = device if kind == "cudaMemLocationTypeDevice" else "hipCpuDeviceId"
    else:
        device = f"({text}).type == hipMemLocationTypeDevice ? ({text}).id : hipCpuDeviceId"
    end = location
    if flags_at is not None and len(args) > flags_at:
        flags = args[flags_at]
        if region.text(flags).strip() not in ("0", "0u", "0U"):
            ctx.report("P0283", f"`{name}` with flags `{region.text(flags)}`: HIP's `{entry['hip']}` has no "
                       "flags argument", region, flags, "CUDA requires 0 here today; pass 0")
            return
        end = flags
    start, _ = region.file_range(location)
    _, stop = region.file_range(end)
    if ctx.replace(start, stop, device, RULE):
        ctx.replace_node(region, function, entry["hip"], RULE)
