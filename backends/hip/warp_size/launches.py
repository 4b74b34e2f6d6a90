"""The block sizes each kernel of a file is launched with, as far as the file shows them.

A rewrite for 64-lane wavefronts is right only where a block really fills whole wavefronts: a
kernel launched with 32 threads per block (or rows of 32 threads) keeps 32-lane groups that a
64-lane rewrite would merge or half-fill. The evidence, per kernel:

* launches in the file, `kernel<<<grid, block, ...>>>` and `hipLaunchKernelGGL(kernel, grid,
  block, ...)`, with the block given as a number, a `#define` or `const` name, `dim3(x, y)`, or a
  `dim3 name(x, y)` / `dim3 name = ...` / `dim3 name{x, y}` variable of the launching function;
* `__launch_bounds__(N)` with N < 64: no block of it fills a 64-lane wavefront;
* `assert(blockDim.x == N)` in the kernel;
* launches the caller names (HIP option ``launches``, ``--launch KERNEL=BX[,BY,BZ]``; porter check
  passes the golden spec's), for kernels launched from another file.

Device functions inherit the launches of the kernels of the file that call them. Sizes the file
does not show are unknown, and unknown sizes constrain nothing.
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass

from porter.backends.hip.constants import ConstantTable, strip_comments
from porter.backends.hip.context import RewriteContext
from porter.frontends.treesitter import Node, Region

WAVE = 64


@dataclass(frozen=True)
class Launch:
    """One piece of evidence of a kernel's block width (threads in x)."""

    kernel: str
    x: int
    line: int
    how: str  # "launched with", "__launch_bounds__", "assert", "given" (the launches option)

    @property
    def fills_wavefronts(self) -> bool:
        return self.how != "__launch_bounds__" and self.x % WAVE == 0

    def describe(self) -> str:
        if self.how == "__launch_bounds__":
            return f"`{self.kernel}` has __launch_bounds__({self.x}) (line {self.line})"
        if self.how == "assert":
            return f"`{self.kernel}` asserts blockDim.x == {self.x} (line {self.line})"
        if self.how == "given":
            return f"`{self.kernel}` is launched with {self.x} threads per block in x (--launch)"
        return f"`{self.kernel}` is launched with {self.x} threads per block in x (line {self.line})"


def narrow_launches(ctx: RewriteContext, region: Region, scope: Node) -> list[Launch]:
    """Evidence that blocks of the kernel(s) running ``scope`` do not fill 64-lane wavefronts."""
    name = function_name(region, scope)
    if name is None:
        return []
    table = launch_table(ctx)
    return [launch for kernel in callers(ctx, name) for launch in table.get(kernel, []) if not launch.fills_wavefronts]


def users_of(ctx: RewriteContext, identifier: str) -> set[str]:
    """Device functions of the file whose body mentions ``identifier``."""
    users = set()
    for region in ctx.regions:
        if region.macro is not None:
            continue
        for function in region.find({"function_definition"}, region.root):
            body = function.child_by_field_name("body")
            name = function_name(region, function)
            if name is not None and body is not None and \
                    any(region.text(leaf) == identifier for leaf in region.find({"identifier"}, body)):
                users.add(name)
    return users


def narrow_launches_of_functions(ctx: RewriteContext, names: set[str]) -> list[Launch]:
    table = launch_table(ctx)
    kernels = {kernel for name in names for kernel in callers(ctx, name)}
    return [launch for kernel in sorted(kernels) for launch in table.get(kernel, []) if not launch.fills_wavefronts]


# --- the table ------------------------------------------------------------------------------------

def launch_table(ctx: RewriteContext) -> dict[str, list[Launch]]:
    cached = getattr(ctx, "_porter_launches", None)
    if cached is not None:
        return cached
    file_region = ctx.syntax.file_region()
    constants = ConstantTable.from_file(file_region)
    table: dict[str, list[Launch]] = {}
    for region in ctx.regions:
        if region.macro is not None:
            continue
        for function in region.find({"function_definition"}, region.root):
            for launch in launches_in(ctx, region, function, constants):
                table.setdefault(launch.kernel, []).append(launch)
            name = function_name(region, function)
            if name is None:
                continue
            for launch in bounds_and_asserts(ctx, region, function, name, constants):
                table.setdefault(name, []).append(launch)
    for kernel, block in ctx.options.launches:
        table.setdefault(kernel, []).append(Launch(kernel, block[0], 0, "given"))
    ctx._porter_launches = table
    return table


def launches_in(ctx: RewriteContext, region: Region, function: Node, constants: ConstantTable):
    local = dim3_variables(region, function)
    for call in region.find({"call_expression"}, function):
        callee = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if callee is None:
            continue
        config = next((c for c in call.children if c.type == "kernel_call_syntax"), None)
        if config is not None:
            settings = [c for c in config.named_children if c.type != "comment"]
            kernel, block = region.text(callee).split("<")[0].strip(), settings[1] if len(settings) > 1 else None
        elif region.text(callee) == "hipLaunchKernelGGL" and arguments is not None:
            values = [a for a in arguments.named_children if a.type != "comment"]
            if len(values) < 3:
                continue
            kernel, block = region.text(values[0]).split("<")[0].strip(), values[2]
        else:
            continue
        if block is None:
            continue
        x = block_x(region.text(block), local, constants)
        if x is not None:
            yield Launch(kernel, x, line_of(ctx, region, block), "launched with")


def bounds_and_asserts(ctx: RewriteContext, region: Region, function: Node, name: str, constants: ConstantTable):
    header = region.data[function.start_byte:(function.child_by_field_name("body") or function).start_byte].decode()
    bounds = re.search(r"__launch_bounds__\s*\(\s*([^,)]+)", header)
    if bounds:
        value = evaluate(bounds.group(1), constants)
        if value is not None and value < WAVE:
            yield Launch(name, value, line_of(ctx, region, function), "__launch_bounds__")
    for call in region.find({"call_expression"}, function):
        callee, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
        if callee is None or arguments is None or region.text(callee) != "assert":
            continue
        test = re.fullmatch(r"\(\s*blockDim\.x\s*==\s*(.+?)\s*\)|\(\s*(.+?)\s*==\s*blockDim\.x\s*\)",
                            " ".join(region.text(arguments).split()))
        if test:
            value = evaluate(test.group(1) or test.group(2), constants)
            if value is not None:
                yield Launch(name, value, line_of(ctx, region, call), "assert")


def dim3_variables(region: Region, function: Node) -> dict[str, str]:
    """`dim3 block(32, 4)`, `dim3 block = dim3(32, 4)`, `dim3 block{32, 4}`: name -> x text."""
    found = {}
    for declaration in region.find({"declaration"}, function):
        type_node = declaration.child_by_field_name("type")
        if type_node is None or region.text(type_node).strip() != "dim3":
            continue
        for declarator in declaration.children_by_field_name("declarator"):
            text = " ".join(region.text(declarator).split())
            match = re.match(r"^([A-Za-z_]\w*)\s*(?:=\s*dim3\s*)?[({](.*)[)}]$", text) or \
                re.match(r"^([A-Za-z_]\w*)\s*=\s*(.*)$", text)
            if match:
                found[match.group(1)] = split_arguments(match.group(2))[0] if match.group(2).strip() else "1"
    return found


def block_x(text: str, local: dict[str, str], constants: ConstantTable) -> int | None:
    text = " ".join(strip_comments(text).split())
    dim3 = re.match(r"^dim3\s*[({](.*)[)}]$", text)
    if dim3:
        text = split_arguments(dim3.group(1))[0]
    elif text in local:
        text = local[text]
    return evaluate(text, constants)


def split_arguments(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += char in "([{"
        depth -= char in ")]}"
        current += char
    parts.append(current.strip())
    return parts


OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
             ast.Mod: operator.mod, ast.LShift: operator.lshift, ast.RShift: operator.rshift}


def evaluate(text: str, constants: ConstantTable, depth: int = 0) -> int | None:
    """An integer constant expression of numbers and names the file binds to constants."""
    plain = constants.value(text)
    if plain is not None or depth > 8:
        return plain
    source = re.sub(r"(?<![\w.])(\d+)[uUlL]+\b", r"\1", text).replace("/", "//")

    def value(node: ast.AST) -> int | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            bound = constants.bindings.get(node.id)
            return evaluate(bound, constants, depth + 1) if bound is not None else None
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
            left, right = value(node.left), value(node.right)
            if left is None or right is None or (isinstance(node.op, (ast.FloorDiv, ast.Mod)) and right == 0):
                return None
            return OPERATORS[type(node.op)](left, right)
        return None

    try:
        return value(ast.parse(source, mode="eval").body)
    except (SyntaxError, ValueError, RecursionError):
        return None


# --- functions and their callers ----------------------------------------------------------------

def function_name(region: Region, function: Node) -> str | None:
    declarator = function.child_by_field_name("declarator")
    while declarator is not None and declarator.type not in ("identifier", "field_identifier",
                                                              "qualified_identifier"):
        declarator = declarator.child_by_field_name("declarator")
    return region.text(declarator) if declarator is not None else None


def callers(ctx: RewriteContext, name: str) -> set[str]:
    """``name`` and every function of the file that calls it, directly or not."""
    graph = call_graph(ctx)
    found, frontier = {name}, [name]
    while frontier:
        callee = frontier.pop()
        for caller, callees in graph.items():
            if callee in callees and caller not in found:
                found.add(caller)
                frontier.append(caller)
    return found


def call_graph(ctx: RewriteContext) -> dict[str, set[str]]:
    cached = getattr(ctx, "_porter_call_graph", None)
    if cached is not None:
        return cached
    graph: dict[str, set[str]] = {}
    for region in ctx.regions:
        if region.macro is not None:
            continue
        for function in region.find({"function_definition"}, region.root):
            name = function_name(region, function)
            body = function.child_by_field_name("body")
            if name is None or body is None:
                continue
            for call in region.find({"call_expression"}, body):
                callee = call.child_by_field_name("function")
                if callee is not None and next((c for c in call.children if c.type == "kernel_call_syntax"),
                                               None) is None:
                    graph.setdefault(name, set()).add(region.text(callee).split("<")[0].strip())
    ctx._porter_call_graph = graph
    return graph


def line_of(ctx: RewriteContext, region: Region, node: Node) -> int:
    start, _ = region.file_range(node)
    return ctx.source.position(start)[0]


# --- the decision ----------------------------------------------------------------------------------

def report_narrow_blocks(ctx: RewriteContext, region: Region, scope: Node) -> bool:
    """On a 64-lane target: whether ``scope`` runs for a kernel launched with blocks that do not fill
    wavefronts (then it is left as written, and P0261 is reported on its first warp-level construct)."""
    narrow = narrow_launches(ctx, region, scope)
    if not narrow:
        return False
    first = first_warp_construct(region, scope)
    if first is None:
        return True  # no warp-level code of its own: as written, it computes what it did on CUDA
    evidence = narrow[0]
    ctx.report("P0261", f"{evidence.describe()}: its {evidence.x}-thread groups do not fill {ctx.options.offload_arch}'s "
               f"64-lane wavefronts, so this warp-level code is neither right as written nor after a 64-lane "
               "rewrite; porter leaves it as written", region, first,
               "launch whole wavefronts (blocks of a multiple of 64 threads in x) and reduce over warpSize "
               "lanes, or rewrite the groups as cooperative-groups tiles of 32 with explicit widths")
    return True


def first_warp_construct(region: Region, scope: Node) -> Node | None:
    """The first warp built-in call, `warpSize` or warp-size constant of ``scope``."""
    from porter.backends.hip.warp_size.facts import WARP_CALLS, WARP_SIZE_NAME

    for node in region.find({"call_expression", "identifier"}, scope):
        text = region.text(node)
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is not None and WARP_CALLS.match(region.text(callee)):
                return callee
        elif text == "warpSize" or WARP_SIZE_NAME.match(text):
            return node
    return None
