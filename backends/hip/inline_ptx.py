"""Inline PTX: translate the idioms that have HIP equivalents; report the rest as errors.

PTX is NVIDIA's virtual ISA and cannot be compiled for AMD GPUs. An `asm(...)` whose template,
once normalised, is one of the table's patterns becomes the table's C++ expression, with the
asm's output and input operands substituted.
"""

from __future__ import annotations

import re
from functools import cache

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.tables import porter_table
from porter.frontends.treesitter import Node, Region

RULE = "inline-ptx"


@cache
def _patterns() -> dict[str, dict]:
    return {normalise(entry["pattern"]): entry for entry in porter_table()["ptx"]}


def normalise(template: str) -> str:
    text = template.replace("\\n", " ").replace("\\t", " ").replace("%%", "%")
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s*,\s*", ", ", text)
    text = re.sub(r"\s*;\s*", ";", text)
    return text


def rewrite_inline_ptx(ctx: RewriteContext) -> None:
    for region in ctx.regions:
        for asm in region.find({"gnu_asm_expression"}, region.root):
            _rewrite_one(ctx, region, asm)


def _rewrite_one(ctx: RewriteContext, region: Region, asm: Node) -> None:
    template_node = asm.child_by_field_name("assembly_code")
    template = _string_contents(region, template_node) if template_node is not None else None
    entry = _patterns().get(normalise(template)) if template is not None else None
    if entry is None:
        shown = normalise(template) if template is not None else region.text(asm)
        ctx.report("P0220", f"inline PTX `{shown}` has no HIP equivalent", region, asm)
        return
    if entry.get("since") and not ctx.options.at_least(entry["since"]):
        ctx.report("P0220", f"inline PTX `{normalise(template)}` has a HIP equivalent only from HIP "
                   f"{entry['since']}", region, asm)
        return
    outputs = _operands(region, asm, "gnu_asm_output_operand_list")
    inputs = _operands(region, asm, "gnu_asm_input_operand_list")
    expected_outputs = 1 if "{out}" in entry["hip"] else 0
    if len(outputs) != expected_outputs:
        ctx.report("P0220", f"inline PTX `{normalise(template)}` has {len(outputs)} output operand(s); "
                   f"porter expected {expected_outputs}", region, asm)
        return
    fields = {"out": outputs[0] if outputs else ""}
    fields.update({f"in{index}": f"({text})" for index, text in enumerate(inputs)})
    try:
        replacement = entry["hip"].format(**fields)
    except KeyError:
        ctx.report("P0220", f"inline PTX `{normalise(template)}` has too few input operands", region, asm)
        return
    if ctx.replace_node(region, asm, replacement, RULE) and ctx.wave64 and entry.get("wave64_note"):
        ctx.report("P0210", f"`{normalise(template)}`: {entry['wave64_note']}", region, asm,
                   "keep the mask in an unsigned long long and use the HIP built-in directly")


def _string_contents(region: Region, node: Node) -> str:
    if node.type == "string_literal":
        return "".join(region.text(c) for c in node.named_children
                       if c.type in ("string_content", "escape_sequence"))
    if node.type == "concatenated_string":
        return "".join(_string_contents(region, c) for c in node.named_children)
    return region.text(node)


def _operands(region: Region, asm: Node, list_type: str) -> list[str]:
    for child in asm.children:
        if child.type == list_type:
            values = [c.child_by_field_name("value") for c in child.named_children]
            return [region.text(v) for v in values if v is not None]
    return []
