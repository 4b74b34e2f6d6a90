"""`porter check` output: a terminal table, JSON, or JUnit XML for CI systems."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict

from rich.table import Table

from porter.check.records import ERROR, FAIL, PASS, UNAVAILABLE, UNSUPPORTED, CheckRecord, summarise

STYLE = {PASS: "green", FAIL: "bold red", ERROR: "bold red", UNSUPPORTED: "yellow", UNAVAILABLE: "dim"}


def table(records: list[CheckRecord]) -> Table:
    view = Table(title="porter check", title_justify="left")
    for column in ("case", "backend", "check", "status", "max abs err", "max rel err", "detail"):
        view.add_column(column, overflow="fold")
    for r in records:
        view.add_row(r.case, r.backend, r.check, f"[{STYLE[r.status]}]{r.status}[/]", _number(r.max_abs_err),
                     _number(r.max_rel_err), r.detail[:160])
    return view


def summary_line(records: list[CheckRecord]) -> str:
    counts = summarise(records)
    return "porter check: " + ", ".join(f"{n} {status}" for status, n in counts.items()) + \
        f" ({len(records)} checks)"


def to_json(records: list[CheckRecord], machine: dict, selection: dict | None = None) -> str:
    """``selection``: what the run covered (porter.check.shards.Selection.to_json), for merging shards."""
    document = {"summary": summarise(records), "machine": machine, "records": [r.to_json() for r in records]}
    if selection is not None:
        document["selection"] = selection
    return json.dumps(document, indent=2) + "\n"


def to_junit(records: list[CheckRecord]) -> str:
    suites = ET.Element("testsuites", name="porter check")
    by_backend: dict[str, list[CheckRecord]] = defaultdict(list)
    for record in records:
        by_backend[record.backend].append(record)
    for backend, group in by_backend.items():
        counts = summarise(group)
        suite = ET.SubElement(suites, "testsuite", name=f"porter.{backend}", tests=str(len(group)),
                              failures=str(counts[FAIL]), errors=str(counts[ERROR]),
                              skipped=str(counts[UNAVAILABLE] + counts[UNSUPPORTED]))
        for record in group:
            case = ET.SubElement(suite, "testcase", classname=f"porter.{backend}.{record.case.split('/')[0]}",
                                 name=f"{record.case} [{record.check}]", time=f"{record.seconds:.3f}")
            if record.status in (FAIL, ERROR):
                ET.SubElement(case, "failure" if record.status == FAIL else "error",
                              message=record.detail[:500]).text = record.detail
            elif record.status in (UNAVAILABLE, UNSUPPORTED):
                ET.SubElement(case, "skipped", message=f"{record.status}: {record.detail}"[:500])
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"
