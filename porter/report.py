"""Reports of a tree port: ``report.json`` (for tools), ``report.md`` (for people), and the summary.

All three are rendered from a :class:`porter.port.PortRun` alone; files are listed in path order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from porter.atomic import write_text_atomic
from porter.port import FAILED, FILLED, REPORT_JSON, REPORT_MD, SKIPPED, STATUSES, UP_TO_DATE, FileRecord, PortRun
from porter.result import VERDICTS

REPORT_FORMAT = 1


def report_json(run: PortRun) -> dict[str, Any]:
    from porter import __version__

    return {
        "format": REPORT_FORMAT,
        "porter": __version__,
        "source": str(run.source),
        "output": str(run.output),
        "target": run.target,
        "options": run.options,
        "jobs": run.jobs,
        "force": run.force,
        "started": run.started,
        "seconds": round(run.seconds, 3),
        "interrupted": run.interrupted,
        "stopped": run.stopped,
        "summary": summary_counts(run),
        "files": [record.to_json() for record in run.records],
    }


def summary_counts(run: PortRun) -> dict[str, Any]:
    counts: dict[str, Any] = {"files": len(run.records)}
    counts.update({status: run.count(status) for status in STATUSES})
    counts.update({"not_started": run.not_started, "edits": run.edits, "diagnostics": run.severities,
                   "lines": run.lines, "lines_per_second": round(run.lines_per_second, 1), "ok": run.ok,
                   "kernels": kernel_counts(run)})
    return counts


def kernel_counts(run: PortRun) -> dict[str, int]:
    """Kernels found in the sources (up-to-date files as their last port found them), by verdict."""
    verdicts = [kernel["verdict"] for record in run.records for kernel in record.kernels]
    return {"found": len(verdicts), **{verdict: verdicts.count(verdict) for verdict in VERDICTS}}


def shown_statuses(run: PortRun) -> tuple[str, ...]:
    """The statuses the tables and the summary list: ``filled`` only when a model filled a file."""
    return tuple(s for s in STATUSES if s != FILLED or run.count(FILLED))


def report_markdown(run: PortRun) -> str:
    counts = summary_counts(run)
    statuses = shown_statuses(run)
    severities = counts["diagnostics"]
    options = ", ".join(f"{name}={value}" for name, value in run.options.items()) or "defaults"
    lines = [
        f"# porter port report: {run.target}",
        "",
        f"* source: `{run.source}`",
        f"* output: `{run.output}`",
        f"* options: {options}; jobs: {run.jobs}{'; forced' if run.force else ''}",
        f"* started {run.started}, took {run.seconds:.2f} s"
        f"{' (interrupted: the report is incomplete)' if run.interrupted else ''}",
        *([f"* **stopped early**: {format_diagnostic(run.stopped)}; {run.not_started} files not started "
           "(the manifest keeps every file written: run again to finish)"] if run.stopped else []),
        "",
        "| " + " | ".join(statuses) + " | edits | errors | warnings | notes |",
        "|" + "---:|" * (len(statuses) + 4),
        "| " + " | ".join(str(counts[s]) for s in statuses)
        + f" | {run.edits} | {severities['error']} | {severities['warning']} | {severities['note']} |",
        "",
    ]
    problems = [r for r in run.records if r.status in (FAILED, SKIPPED)]
    if problems:
        lines += ["## Files not ported", ""]
        lines += [f"* `{_md(r.path)}`: {r.status}: {_md(r.reason or '')}" for r in problems]
        lines.append("")
    renamed = [r for r in run.records if r.output and any(d["id"] == "P0044" for d in r.diagnostics)]
    if renamed:
        lines += ["## Renamed outputs", ""]
        lines += [f"* `{_md(r.path)}` -> `{_md(r.output)}`: {_md(r.reason or '')}" for r in renamed]
        lines.append("")
    lines += _fill_sections(run)
    lines += _kernel_section(run)
    lines += ["## Files", "", "| file | status | edits | errors | warnings | notes |", "|---|---|---:|---:|---:|---:|"]
    for record in run.records:
        severity = _severities(record)
        lines.append(f"| `{_md(record.path)}` | {_status_text(record)} | {record.edits} | {severity['error']} "
                     f"| {severity['warning']} | {severity['note']} |")
    lines.append("")
    diagnosed = [r for r in run.records if r.diagnostics and r.status not in (FAILED, SKIPPED)]
    if diagnosed:
        lines += ["## Diagnostics", ""]
        for record in diagnosed:
            lines += [f"### `{_md(record.path)}`", ""]
            lines += [f"* {format_diagnostic(d)}" for d in record.diagnostics]
            lines.append("")
    return "\n".join(lines)


def _kernel_section(run: PortRun) -> list[str]:
    """The totals by verdict, then one row per kernel of each source, in path and source order."""
    counts = kernel_counts(run)
    lines = ["## Kernels", "", "| found | " + " | ".join(VERDICTS) + " |", "|" + "---:|" * (len(VERDICTS) + 1),
             f"| {counts['found']} | " + " | ".join(str(counts[v]) for v in VERDICTS) + " |", ""]
    rows = [(record, kernel) for record in run.records for kernel in record.kernels]
    if rows:
        lines += [f"| file | kernel | line | {_md(run.target)} | why |", "|---|---|---:|---|---|"]
        lines += [f"| `{_md(record.path)}` | `{_md(kernel['name'])}` | {kernel['line']} | {kernel['verdict']} "
                  f"| {_md(', '.join(kernel['diagnostics']))} |" for record, kernel in rows]
        lines.append("")
    return lines


def _fill_sections(run: PortRun) -> list[str]:
    """Model-written files with their provenance, then the fills that kept nothing (and why)."""
    lines: list[str] = []
    filled = [r for r in run.records if r.status == FILLED and r.fill]
    if filled:
        lines += ["## Model-written files (porter port --llm)", "",
                  "Porter refuses these kernels; a model wrote the module and porter kept it because it passed every "
                  "check against the recorded goldens. It is not a deterministic port.", ""]
        for record in filled:
            fill = record.fill
            lines.append(f"* `{_md(record.path)}` -> `{_md(record.output or record.path)}`: filled "
                         f"({_md(', '.join(fill.get('refusal', [])))}) by {_md(str(fill.get('model')))}; "
                         f"{_md(fill_provenance(fill))}")
        lines.append("")
    tried = [r for r in run.records if r.fill and r.status != FILLED]
    if tried:
        lines += ["## Fills not kept", ""]
        lines += [f"* `{_md(r.path)}`: kept the deterministic port: {_md(str(r.fill.get('reason', '')))}"
                  for r in tried]
        lines.append("")
    return lines


def fill_provenance(fill: dict[str, Any]) -> str:
    """Where a kept fill came from and what it passed, in one line."""
    replayed = " (replayed)" if fill.get("replayed") else ""
    return (f"candidate {fill.get('candidate')}, store key {fill.get('store_key')}{replayed}, prompt sha256 "
            f"{fill.get('prompt_sha256')}, code sha256 {fill.get('code_sha256')}, written {fill.get('written')}; "
            f"checks passed: {', '.join(fill.get('checks', []))}; trials: {', '.join(fill.get('trials', []))}")


def format_diagnostic(diagnostic: dict[str, Any], *, markdown: bool = True) -> str:
    """``file:line:col: severity[id]: message`` (the position as far as it is known)."""
    where = ":".join(str(part) for part in (diagnostic["file"], diagnostic["line"], diagnostic["col"])
                     if part is not None)
    text = f"{where}: {diagnostic['severity']}[{diagnostic['id']}]: {diagnostic['message']}"
    if diagnostic.get("hint"):
        text += f" (hint: {diagnostic['hint']})"
    return _md(text) if markdown else text


def summary_lines(run: PortRun, *, report_paths: tuple[Path, ...] = ()) -> list[str]:
    """The few lines the CLI prints at the end of a port."""
    counts = summary_counts(run)
    severities = counts["diagnostics"]
    cores = f", {run.lines_per_second / run.jobs:,.0f} lines/s per worker" if run.jobs > 1 else ""
    verb = "interrupted after" if run.interrupted else "stopped after" if run.stopped else "ported"
    lines = [
        f"porter: {verb} {counts['files']} files "
        f"from {run.source} to {run.output} in {run.seconds:.2f} s ({run.target}, -j {run.jobs})",
        "  " + ", ".join(f"{counts[status]} {status}" for status in shown_statuses(run)),
        f"  {run.edits} edits; diagnostics: errors {severities['error']}, warnings {severities['warning']}, "
        f"notes {severities['note']}",
        f"  {run.lines:,} source lines translated, {run.lines_per_second:,.0f} lines/s{cores}",
        "  kernels: {found} found, {ported} ported, {refused} refused, {internal} internal errors".format(
            internal=counts["kernels"]["internal-error"], **counts["kernels"]),
    ]
    if run.stopped:
        lines.append(f"  stopped: {format_diagnostic(run.stopped, markdown=False)}; {run.not_started} files "
                     "not started (the manifest keeps every file written: run again to finish)")
    for record in [r for r in run.records if r.fill]:
        if record.status == FILLED:
            lines.append(f"  filled: {record.path}: model-written by {record.fill.get('model')}, kept after every "
                         f"check (store key {record.fill.get('store_key')})")
        else:
            lines.append(f"  not filled: {record.path}: {record.fill.get('reason', '')}"[:400])
    for record in [r for r in run.records if r.status == FAILED][:20]:
        lines.append(f"  failed: {record.path}: {_first(record)}")
    if counts[FAILED] > 20:
        lines.append(f"  ... and {counts[FAILED] - 20} more failed files (see the report)")
    if report_paths:
        lines.append("  report: " + ", ".join(str(p) for p in report_paths))
    return lines


def write_reports(run: PortRun) -> tuple[Path, Path]:
    json_path, markdown_path = run.output / REPORT_JSON, run.output / REPORT_MD
    write_text_atomic(json_path, json.dumps(report_json(run), indent=2) + "\n")
    write_text_atomic(markdown_path, report_markdown(run) + "\n")
    return json_path, markdown_path


def _first(record: FileRecord) -> str:
    diagnostic = record.diagnostics[0] if record.diagnostics else None
    return f"error[{diagnostic['id']}]: {record.reason}" if diagnostic else str(record.reason)


def _severities(record: FileRecord) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "note": 0}
    for diagnostic in record.diagnostics:
        counts[diagnostic["severity"]] = counts.get(diagnostic["severity"], 0) + 1
    return counts


def _status_text(record: FileRecord) -> str:
    return f"{UP_TO_DATE} ({record.was})" if record.status == UP_TO_DATE and record.was else record.status


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or list item (also for names that are not UTF-8)."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text.replace("|", "\\|").replace("\n", " ")
