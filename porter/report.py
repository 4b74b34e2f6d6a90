"""Reports of a tree port: ``report.json`` (for tools), ``report.md`` (for people), and the summary.

All three are rendered from a :class:`porter.port.PortRun` alone; files are listed in path order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from porter.atomic import write_text_atomic
from porter.port import FAILED, REPORT_JSON, REPORT_MD, SKIPPED, STATUSES, UP_TO_DATE, FileRecord, PortRun

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
                   "lines": run.lines, "lines_per_second": round(run.lines_per_second, 1), "ok": run.ok})
    return counts


def report_markdown(run: PortRun) -> str:
    counts = summary_counts(run)
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
        "| " + " | ".join(STATUSES) + " | edits | errors | warnings | notes |",
        "|" + "---:|" * (len(STATUSES) + 4),
        "| " + " | ".join(str(counts[s]) for s in STATUSES)
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
        "  " + ", ".join(f"{counts[status]} {status}" for status in STATUSES),
        f"  {run.edits} edits; diagnostics: errors {severities['error']}, warnings {severities['warning']}, "
        f"notes {severities['note']}",
        f"  {run.lines:,} source lines translated, {run.lines_per_second:,.0f} lines/s{cores}",
    ]
    if run.stopped:
        lines.append(f"  stopped: {format_diagnostic(run.stopped, markdown=False)}; {run.not_started} files "
                     "not started (the manifest keeps every file written: run again to finish)")
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
