"""A Chrome trace exported by ``torch.profiler`` (Kineto over CUPTI) as a :class:`Profile`.

Kineto writes GPU activity as complete events (``"ph": "X"``) whose ``cat`` says what they are:
``kernel``, ``gpu_memcpy``, ``gpu_memset``, and the host's ``cuda_runtime``/``cuda_driver``
calls; ``ts`` and ``dur`` are microseconds (fractional), ``args`` carries the launch geometry,
registers, shared memory, stream, device and CUPTI correlation id.
"""

from __future__ import annotations

from collections.abc import Mapping

from porter.profile.names import base_name
from porter.profile.store import ApiCall, Kernel, MemOp, Profile

KERNEL_CATEGORIES = {"kernel"}
MEMOP_CATEGORIES = {"gpu_memcpy": "memcpy", "gpu_memset": "memset"}
API_CATEGORIES = {"cuda_runtime", "cuda_driver"}


def _ns(microseconds) -> int:
    return int(round(float(microseconds) * 1000))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _dims(value) -> tuple[int | None, int | None, int | None]:
    if isinstance(value, (list, tuple)) and len(value) == 3:
        return tuple(_int(v) for v in value)  # type: ignore[return-value]
    return None, None, None


def _memop_kind(category: str, name: str) -> str:
    if category == "gpu_memset":
        return "memset"
    for direction in ("HtoD", "DtoH", "DtoD", "HtoH", "PtoP"):
        if direction in name:
            return f"memcpy {direction}"
    return "memcpy"


def profile_from_trace(trace: Mapping, meta: Mapping[str, object] | None = None,
                       profiler_totals: Mapping[str, tuple[int, int]] | None = None) -> Profile:
    """Every GPU kernel, memory operation and CUDA API call of ``trace`` (a parsed Chrome trace)."""
    events = trace.get("traceEvents", []) if isinstance(trace, Mapping) else []
    kernels, memops, calls = [], [], []
    origin = min((float(e["ts"]) for e in events if isinstance(e, Mapping) and e.get("ph") == "X" and "ts" in e),
                 default=0.0)
    for event in events:
        if not isinstance(event, Mapping) or event.get("ph") != "X" or "dur" not in event:
            continue
        category, name = str(event.get("cat", "")), str(event.get("name", ""))
        args = event.get("args") or {}
        start, duration = _ns(float(event["ts"]) - origin), _ns(event["dur"])
        if category in KERNEL_CATEGORIES:
            kernels.append(Kernel(name, base_name(name), start, duration, *_dims(args.get("grid")),
                                  *_dims(args.get("block")), registers=_int(args.get("registers per thread")),
                                  shared_bytes=_int(args.get("shared memory")), stream=_int(args.get("stream")),
                                  device=_int(args.get("device")), correlation=_int(args.get("correlation"))))
        elif category in MEMOP_CATEGORIES:
            memops.append(MemOp(_memop_kind(category, name), _int(args.get("bytes")), start, duration,
                                stream=_int(args.get("stream")), device=_int(args.get("device")),
                                correlation=_int(args.get("correlation"))))
        elif category in API_CATEGORIES:
            calls.append(ApiCall(name, start, duration, thread=_int(event.get("tid")),
                                 correlation=_int(args.get("correlation"))))
    meta = {"source": "torch.profiler", **(meta or {})}
    return Profile(kernels, memops, calls, meta, dict(profiler_totals or {}))
