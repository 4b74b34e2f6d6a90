"""32-lane groups on 64-lane wavefronts, and kernels whose launches porter cannot see.

A kernel launched with blocks that do not fill 64-lane wavefronts (rows of 32 threads, blocks of
32 or 96) runs its CUDA warps as halves of AMD wavefronts. Where its warp-level code is only
shuffles, porter keeps the CUDA code's 32-lane groups: every shuffle gets a width of 32 (HIP's
`__shfl*(v, o, 32)` shuffles within each 32-lane half of the wavefront, as a CUDA warp does),
`warpSize` becomes CUDA's 32, and nothing else changes (P0263, a note). A wavefront's halves are
CUDA's warps exactly: both number threads linearly (x fastest), and 64 is a multiple of 32.

The kernels and device functions ported this way are taken together: a narrow kernel, every
function it calls, and every kernel that calls one of those with warp-level code (they exchange
values across the same lanes, so they must agree on the group size). Ballots, votes, matches,
`__activemask` or inline assembly anywhere in them mean 64-bit lane masks whose bits CUDA code
reads as 32 lanes: then none of them is ported this way (launches.py reports P0261).

A kernel with warp-level code and no launch evidence at all is ported for blocks that fill
64-lane wavefronts, with a warning (P0264) that says how to tell porter the launch.
"""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.warp_size.facts import RULE, SHUFFLES, WARP_CALLS
from porter.backends.hip.warp_size.launches import (
    call_graph,
    callers,
    first_warp_construct,
    function_name,
    launch_table,
)
from porter.frontends.treesitter import Node, Region

GROUP = 32
#: Shuffle built-ins: the number of arguments before the optional width.
SHUFFLE_ARITY = {"__shfl": 2, "__shfl_up": 2, "__shfl_down": 2, "__shfl_xor": 2,
                 "__shfl_sync": 3, "__shfl_up_sync": 3, "__shfl_down_sync": 3, "__shfl_xor_sync": 3}


def port_32_lane_groups(ctx: RewriteContext, region: Region, scope: Node) -> bool:
    """On a 64-lane target: whether ``scope`` belongs to the 32-lane groups (then it is ported
    here: shuffle widths of 32 and `warpSize` as 32; the other warp-size rules leave it alone)."""
    name = function_name(region, scope)
    groups = grouped_functions(ctx)
    if name is None or name not in groups:
        return False
    first = first_warp_construct(region, scope)
    if first is None:
        return True
    for call in region.find({"call_expression"}, scope):
        callee, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
        if callee is None or arguments is None or not SHUFFLES.match(region.text(callee)):
            continue
        values = [a for a in arguments.named_children if a.type != "comment"]
        if len(values) == SHUFFLE_ARITY[region.text(callee)]:
            ctx.insert(region.base + arguments.end_byte - 1, f", {GROUP}", RULE)
    for identifier in region.find({"identifier"}, scope):
        if region.text(identifier) == "warpSize":
            ctx.replace_node(region, identifier, str(GROUP), RULE)
    evidence = groups[name]
    ctx.report("P0263", f"{evidence.describe()}: on {ctx.options.offload_arch}'s 64-lane wavefronts its CUDA warps "
               f"are the 32-lane halves of a wavefront; porter keeps this code's 32-lane groups (shuffle width "
               f"32, warpSize 32)", region, first,
               "launch blocks of a multiple of 64 threads in x for the 64-lane form (one reduction step more, "
               "all lanes busy)")
    return True


def report_unknown_launch(ctx: RewriteContext, region: Region, scope: Node) -> None:
    """On a 64-lane target: warp-level code of kernels the file does not launch (P0264, once per
    kernel; once per file for device functions no kernel of the file calls): its 64-lane port is
    right only for blocks that fill wavefronts."""
    name = function_name(region, scope)
    first = first_warp_construct(region, scope) if name is not None else None
    if first is None:
        return
    running = callers(ctx, name)
    if any(kernel in launch_table(ctx) for kernel in running):
        return
    functions = function_nodes(ctx)
    kernels = sorted(f for f in running if f in functions and is_kernel(*functions[f]))
    warned = ctx.__dict__.setdefault("_porter_unlaunched", set())
    if kernels:
        if set(kernels) <= warned:
            return
        warned.update(kernels)
        names = ", ".join(f"`{kernel}`" for kernel in kernels)
        ctx.report("P0264", f"the launch configuration of {names} is not in this file; the 64-lane port of its "
                   "warp-level code assumes blocks whose x size is a multiple of 64", region, first,
                   f"pass --launch {kernels[0]}=BX[,BY,BZ] (or put the launches in the file) to check: blocks of "
                   "32 threads in x keep 32-lane groups")
        return
    if "" in warned:
        return
    warned.add("")  # device functions without a kernel in the file: one warning for them all
    ctx.report("P0264", f"no kernel of this file calls `{name}` (or the other device functions with warp-level code "
               "after it); the 64-lane port of their warp-level code assumes blocks whose x size is a multiple "
               "of 64", region, first,
               "the kernels that call them decide: where those launch blocks of 32 threads in x (rows of 32), "
               "the 32-lane code needs shuffle widths of 32 instead of the 64-lane rewrite")


def is_kernel(region: Region, function: Node) -> bool:
    body = function.child_by_field_name("body")
    return b"__global__" in region.data[function.start_byte:(body or function).start_byte]


# --- which functions ---------------------------------------------------------------------------

def grouped_functions(ctx: RewriteContext) -> dict:
    """Functions ported with 32-lane groups -> the launch that asks for it."""
    cached = ctx.__dict__.get("_porter_groups")
    if cached is not None:
        return cached
    functions = function_nodes(ctx)
    table = launch_table(ctx)
    found: dict = {}
    for kernel in sorted(table):
        narrow = [launch for launch in table[kernel] if not launch.fills_wavefronts]
        if kernel not in functions or kernel in found or not narrow:
            continue
        members = component(ctx, kernel, functions)
        if all(shuffles_only(*functions[member]) for member in members):
            found.update({member: narrow[0] for member in members})
    ctx._porter_groups = found
    return found


def component(ctx: RewriteContext, kernel: str, functions: dict) -> set[str]:
    """``kernel``, what it calls, and the callers of each of those with warp-level code (to a fixed point)."""
    graph = call_graph(ctx)
    members: set[str] = set()
    frontier = [kernel]
    while frontier:
        name = frontier.pop()
        if name in members or name not in functions:
            continue
        members.add(name)
        frontier.extend(graph.get(name, ()))
        if first_warp_construct(*functions[name]) is not None:
            frontier.extend(callers(ctx, name) - members)
    return members


def shuffles_only(region: Region, function: Node) -> bool:
    """No warp-level built-in but shuffles (and no inline assembly)."""
    if next(iter(region.find({"gnu_asm_expression"}, function)), None) is not None:
        return False
    for call in region.find({"call_expression"}, function):
        callee = call.child_by_field_name("function")
        text = region.text(callee) if callee is not None else ""
        if WARP_CALLS.match(text) and text not in SHUFFLE_ARITY or text == "__lane_id":
            return False
    return True


def function_nodes(ctx: RewriteContext) -> dict[str, tuple[Region, Node]]:
    found: dict[str, tuple[Region, Node]] = {}
    for region in ctx.regions:
        if region.macro is not None:
            continue
        for function in region.find({"function_definition"}, region.root):
            name = function_name(region, function)
            if name is not None:
                found.setdefault(name, (region, function))
    return found
