"""The provenance report of an optimization: JSON for machines, a short text for people.

Both are written whatever the candidates held: lone surrogates escaped, long fields clipped
(:mod:`porter.llm.text`).
"""

from __future__ import annotations

import json

from porter.llm.loop import OptimizeResult
from porter.llm.text import escape_surrogates, safe_text


def to_json(result: OptimizeResult) -> str:
    return json.dumps(result.to_json(), indent=2, sort_keys=False) + "\n"


def render(result: OptimizeResult) -> str:
    lines = [f"porter optimize: {result.kernel} -> {result.target} with {result.model}", result.verdict, ""]
    for c in result.candidates:
        if c.accepted:
            timing = f"{c.seconds:.3g} s ({c.speedup:.2f}x)" if c.seconds and c.speedup else "not timed"
            lines.append(f"  {c.name}: accepted, {timing}; passed {', '.join(x.check for x in c.checks)}")
        else:
            lines.append(f"  {c.name}: rejected by {c.rejected_by}: {safe_text(c.reason[:200], 200)}")
        if c.flags:
            lines.append(f"    flags: {'; '.join(c.flags)}")
    usage = result.usage.to_json()
    cost = f"${usage['cost_usd']:.4f}" if usage["cost_usd"] is not None else "unknown"
    lines += ["", f"calls {usage['calls']} ({usage['replayed']} replayed), tokens in {usage['input_tokens']}, "
              f"out {usage['output_tokens']}, cost {cost}" + ("" if usage["cost_usd"] is not None else
                                                             f" ({usage['cost_note']})")]
    lines += [f"note: {safe_text(n, 1000)}" for n in result.notes]
    return escape_surrogates("\n".join(lines) + "\n")
