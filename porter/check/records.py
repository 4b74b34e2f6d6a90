"""One check result: a case, a backend, one of its checks (compile gate, run), and a status."""

from __future__ import annotations

from dataclasses import asdict, dataclass

PASS, FAIL, UNSUPPORTED, UNAVAILABLE, ERROR = "pass", "fail", "unsupported", "unavailable", "error"
#: pass: ran (or compiled, for a compile check) and matched; fail: wrong results or a compile error
#: porter did not predict; unsupported: porter reported a diagnostic for the kernel on this backend;
#: unavailable: this machine cannot run the check (the detail names what is missing); error: the
#: golden itself is stale, missing, corrupt or unhashed (the detail says why). Only pass is a pass.
STATUSES = (PASS, FAIL, UNSUPPORTED, UNAVAILABLE, ERROR)
FAILING = (FAIL, ERROR)


@dataclass(frozen=True)
class CheckRecord:
    case: str             # "kernel/case"
    backend: str          # "hip", ...
    check: str            # "compile gfx90a", "run NVIDIA H200", ...
    status: str
    detail: str = ""
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    seconds: float = 0.0

    def to_json(self) -> dict:
        return asdict(self)


def summarise(records: list[CheckRecord]) -> dict[str, int]:
    counts = {status: 0 for status in STATUSES}
    for record in records:
        counts[record.status] += 1
    return counts
