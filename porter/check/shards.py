"""Sharded checks: which cases one shard runs, one record order for every report, merging shard reports.

Every report of ``porter check`` (sharded or not) carries its *selection*: the backends and every
selected case of the whole run, in spec order. Records are ordered by (case, backend) in that
selection, so the merge of N shard reports is, record for record, the report of the unsharded run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from porter.check.records import CheckRecord
from porter.golden.record import selected_cases
from porter.golden.spec import discover, load_spec
from porter.shard import Shard, case_key, relative_name
from porter.source import InputError


@dataclass(frozen=True)
class Selection:
    roots: tuple[Path, ...]
    backends: tuple[str, ...]
    cases: tuple[str, ...]         # every selected "kernel/case" of the whole run, in spec order
    shard: Shard | None = None

    def keep(self, spec, case) -> bool:
        """Whether this shard runs ``case`` of ``spec`` (every case when unsharded)."""
        return self.shard is None or self.shard.holds(case_key(relative_name(spec.path, self.roots), case.name))

    def order(self, records: Iterable[CheckRecord]) -> list[CheckRecord]:
        """Records by (case, backend) in the selection's order; a checker's own order within."""
        return order_records(records, self.cases, self.backends)

    def to_json(self) -> dict:
        return {"shard": None if self.shard is None else str(self.shard), "backends": list(self.backends),
                "cases": list(self.cases)}


def select(paths: Sequence[Path], default_paths: Sequence[Path], backends: Sequence[str], case_glob: str | None,
           shard: Shard | None) -> Selection:
    """The selection of a ``porter check`` run: loads the specs under ``paths`` (or the defaults)."""
    roots = tuple(paths) or tuple(default_paths)
    cases = [f"{spec.name}/{case.name}" for spec in map(load_spec, discover(roots))
             for case in selected_cases(spec, case_glob)]
    return Selection(roots, tuple(backends), tuple(cases), shard)


def order_records(records: Iterable[CheckRecord], cases: Sequence[str], backends: Sequence[str]) -> list[CheckRecord]:
    case_rank = {case: number for number, case in enumerate(cases)}
    backend_rank = {backend: number for number, backend in enumerate(backends)}
    return sorted(records, key=lambda r: (case_rank.get(r.case, len(case_rank)),
                                          backend_rank.get(r.backend, len(backend_rank))))


@dataclass(frozen=True)
class Merged:
    records: list[CheckRecord]
    machine: dict
    selection: dict


def merge_reports(files: Sequence[Path]) -> Merged:
    """Combine the JSON reports of the N shards of one run (each shard once) into the run's report.

    Raises :class:`InputError` for a file that is not a ``porter check`` JSON report (P0091), reports
    of different runs (P0092), or a shard that is missing or given twice (P0093).
    """
    documents = [(path, _load(path)) for path in files]
    first = documents[0][1]["selection"]
    for path, document in documents[1:]:
        selection = document["selection"]
        if (selection["cases"], selection["backends"]) != (first["cases"], first["backends"]):
            raise InputError("P0092", f"{path} comes from another run than {documents[0][0]} "
                             "(its backends or cases differ)",
                             "merge the reports of one run: the same PATHS, --backend and --case on every shard",
                             str(path))
    _check_shards([(path, document["selection"]["shard"]) for path, document in documents])
    records = [CheckRecord(**record) for _, document in documents for record in document["records"]]
    machines = [document.get("machine", {}) for _, document in documents]
    machine = machines[0] if all(m == machines[0] for m in machines) else \
        {"shards": {document["selection"]["shard"]: m for (_, document), m in zip(documents, machines)}}
    selection = {"shard": None, "backends": first["backends"], "cases": first["cases"]}
    return Merged(order_records(records, first["cases"], first["backends"]), machine, selection)


def _load(path: Path) -> dict:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError("P0091", f"cannot read {path} as a porter check JSON report: {error}",
                         "give the files written by porter check --json FILE (or --format json)", str(path)) from None
    selection = document.get("selection") if isinstance(document, dict) else None
    if not isinstance(selection, dict) or not {"shard", "cases", "backends"} <= set(selection) \
            or not isinstance(document.get("records"), list):
        raise InputError("P0091", f"{path} is not a porter check JSON report (no selection or records)",
                         "give the files written by porter check --json FILE (or --format json)", str(path))
    return document


def _check_shards(shards: list[tuple[Path, str | None]]) -> None:
    if len(shards) == 1 and shards[0][1] is None:
        return  # one unsharded report: merging it changes nothing
    counts = set()
    seen: dict[int, Path] = {}
    for path, text in shards:
        if text is None:
            raise InputError("P0093", f"{path} is an unsharded report; it cannot be merged with shards",
                             "merge only the reports of porter check --shard K/N", str(path))
        shard = Shard.parse(text)
        counts.add(shard.count)
        if shard.index in seen:
            raise InputError("P0093", f"shard {shard} is given twice ({seen[shard.index]} and {path})",
                             "give each shard's report once", str(path))
        seen[shard.index] = path
    if len(counts) > 1:
        raise InputError("P0092", f"the reports split the run differently (N = {sorted(counts)})",
                         "merge the shards of one --shard K/N split", str(shards[0][0]))
    missing = sorted(set(range(1, counts.pop() + 1)) - set(seen))
    if missing:
        raise InputError("P0093", "shard(s) " + ", ".join(map(str, missing)) + " missing from the merge",
                         "give the report of every shard K of K/N", str(shards[0][0]))
