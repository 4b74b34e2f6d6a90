"""A profile as a Chrome trace (JSON) that ui.perfetto.dev and chrome://tracing open."""

from __future__ import annotations

import json
from pathlib import Path

from porter.atomic import write_text_atomic
from porter.profile.store import Profile


def chrome_events(profile: Profile) -> list[dict]:
    """One complete event per kernel, memory operation and API call (times in microseconds)."""
    events: list[dict] = [{"ph": "M", "name": "process_name", "pid": 0, "args": {"name": "GPU"}},
                          {"ph": "M", "name": "process_name", "pid": 1, "args": {"name": "host"}}]
    for k in profile.kernels:
        events.append({"ph": "X", "cat": "kernel", "name": k.name, "pid": 0, "tid": k.stream or 0,
                       "ts": k.start_ns / 1000, "dur": k.duration_ns / 1000,
                       "args": {"grid": [k.grid_x, k.grid_y, k.grid_z], "block": [k.block_x, k.block_y, k.block_z],
                                "registers per thread": k.registers, "shared memory": k.shared_bytes}})
    for m in profile.memops:
        events.append({"ph": "X", "cat": m.kind, "name": m.kind, "pid": 0, "tid": m.stream or 0,
                       "ts": m.start_ns / 1000, "dur": m.duration_ns / 1000, "args": {"bytes": m.bytes}})
    for c in profile.api_calls:
        events.append({"ph": "X", "cat": "api", "name": c.name, "pid": 1, "tid": c.thread or 0,
                       "ts": c.start_ns / 1000, "dur": c.duration_ns / 1000})
    return events


def write_chrome_trace(profile: Profile, path: Path) -> None:
    write_text_atomic(Path(path), json.dumps({"traceEvents": chrome_events(profile), "displayTimeUnit": "ns"}))
