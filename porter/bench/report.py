"""Show benchmark results: a text table, the JSON document, a PNG chart; all stamped with the machine."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from porter.bench.stats import geomean


def stamp(data: dict) -> str:
    env = data.get("environment", {})
    gpu = env.get("gpu") or {}
    versions = ", ".join(f"{k} {v}" for k, v in (env.get("versions") or {}).items() if v)
    return (f"{gpu.get('name', 'no GPU')} (driver {gpu.get('driver_version', '?')}, cc "
            f"{gpu.get('compute_capability', '?')}), nvcc {env.get('nvcc') or '?'}, {versions}; {env.get('date', '?')}")


def _si(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def table_text(data: dict) -> str:
    """The terminal table: one row per case and backend, then the ceilings and the summary."""
    peaks = data.get("peaks", {})
    header = ("kernel/case", "backend", "status", "median us", "p10-p90 us", "bytes", "achieved",
              "of copy BW", "roofline", "vs cuda", "correct")
    rows = []
    for r in data["results"]:
        timed = "median_ms" in r
        rows.append((
            f"{r['kernel']}/{r['case']}", r["backend"], r["status"],
            f"{1e3 * r['median_ms']:.2f}" if timed else "-",
            f"{1e3 * r['p10_ms']:.2f}-{1e3 * r['p90_ms']:.2f}" if timed else "-",
            _si(r["bytes"], "B"),
            _si(r.get("achieved_Bps"), "B/s") if timed else "-",
            _pct(r.get("bandwidth_fraction")), _pct(r.get("roofline_fraction")),
            f"{r['speed_vs_cuda']:.3f}x" if r.get("speed_vs_cuda") else "-",
            {True: "yes", False: "NO", None: "-"}[r.get("correct")],
        ))
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    ceilings = (f"ceilings: copy {_si(peaks.get('copy_Bps'), 'B/s')} (read + written), fp32 "
                f"{_si(peaks.get('fp32_flops_per_s'), 'FLOP/s')}, bf16 matmul "
                f"{_si(peaks.get('bf16_flops_per_s'), 'FLOP/s')}")
    settings = (f"settings: {data['settings'].get('runs')} timed runs after {data['settings'].get('warmup')} "
                f"warm-up runs, {data['settings'].get('copies')} input sets, L2 flushed before each run")
    lines = [f"porter bench: {stamp(data)}", ceilings, settings, ""]
    if data.get("interrupted"):
        lines.insert(3, f"INTERRUPTED: {data['interrupted']}")
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.append("")
    for name, s in data.get("summary", {}).items():
        why = data.get("backends", {}).get(name, {}).get("why_not")
        if why:
            lines.append(f"{name}: unavailable ({why})")
            continue
        speed = s.get("geomean_speed_vs_cuda")
        line = f"{name}: {s['timed']}/{s['cases']} timed, {s['failed']} failed, {s['incorrect']} incorrect"
        if s.get("counted", s["timed"]) != s["timed"]:
            line += f", {s['counted']} counted (outputs matched)"
        if speed:
            line += f"; geomean speed vs cuda {speed:.3f}x"
        if s.get("median_time_ms"):
            line += (f"; memory-bound cases reach a median {_pct(s.get('median_bandwidth_fraction_memory_bound'))}"
                     f" (max {_pct(s.get('max_bandwidth_fraction_memory_bound'))}) of copy bandwidth; median time "
                     f"{1e3 * s['median_time_ms']:.2f} us")
        lines.append(line)
        group = s.get("memory_bound") or {}
        if group.get("cases"):
            lines.append(f"  memory-bound kernels ({', '.join(group['categories'])}): {group['cases']} cases, "
                         f"median {_pct(group['median_bandwidth_fraction'])} of copy bandwidth, best "
                         f"{_pct(group['best_bandwidth_fraction'])} ({group['best_case']}), "
                         f"{group['at_least_70_percent']} at >= 70%, median time {1e3 * group['median_time_ms']:.1f} us"
                         + (f", geomean speed vs cuda {group['geomean_speed_vs_cuda']:.3f}x"
                            if group.get("geomean_speed_vs_cuda") else ""))
    if data.get("scale"):
        from porter.bench.scale import scale_lines

        lines += ["", *scale_lines(data["scale"])]
    return "\n".join(lines) + "\n"


def write_json(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=False, default=_plain) + "\n")


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def per_kernel(data: dict, key: str) -> dict[str, dict[str, float]]:
    """kernel -> backend -> geometric mean of ``key`` over the kernel's timed cases."""
    values: dict[str, dict[str, list[float]]] = {}
    for r in data["results"]:
        if r.get(key):
            values.setdefault(r["kernel"], {}).setdefault(r["backend"], []).append(r[key])
    return {k: {b: geomean(v) for b, v in by.items()} for k, by in values.items()}


def write_chart(data: dict, path: Path) -> bool:
    """Speed relative to CUDA and roofline fraction, per kernel and backend. False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter, NullFormatter
    except ImportError:
        return False
    speed, fraction = per_kernel(data, "speed_vs_cuda"), per_kernel(data, "roofline_fraction")
    kernels = sorted(set(speed) | set(fraction))
    backends = [b for b in data.get("backends", {}) if any(b in fraction.get(k, {}) for k in kernels)]
    height = max(4.0, 0.22 * len(kernels) * max(1, len(backends)) / 1.5 + 2)
    figure, (left, right) = plt.subplots(1, 2, figsize=(14, height), sharey=True)
    bar = 0.8 / max(1, len(backends))
    for i, backend in enumerate(backends):
        ys = [k + (i - (len(backends) - 1) / 2) * bar for k in range(len(kernels))]
        left.barh(ys, [speed.get(k, {}).get(backend, math.nan) for k in kernels], height=bar, label=backend)
        right.barh(ys, [100 * fraction.get(k, {}).get(backend, math.nan) for k in kernels], height=bar, label=backend)
    left.axvline(1.0, color="black", linewidth=0.8)
    values = [v for by in speed.values() for v in by.values() if v]
    if values and max(values) / min(values) > 4:
        left.set_xscale("log")
    left.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    left.set_xlabel("speed relative to CUDA (CUDA median / backend median; >1 faster)")
    right.set_xscale("log")
    right.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}%"))
    right.xaxis.set_minor_formatter(NullFormatter())
    right.set_xlabel("roofline fraction, % (floor max(bytes/copy BW, flops/fp32 rate) / median time)")
    left.set_yticks(range(len(kernels)), kernels, fontsize=7)
    left.invert_yaxis()
    for axis in (left, right):
        axis.grid(axis="x", which="both", alpha=0.3)
    right.legend(loc="lower right")
    figure.suptitle(f"porter bench: geometric mean over each kernel's cases\n{stamp(data)}", fontsize=9)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return True


def default_out_dir(data: dict, root: Path) -> Path:
    gpu = (data.get("environment", {}).get("gpu") or {}).get("name", "nogpu")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", gpu).strip("-").lower()
    return root / f"{data['environment']['date'][:10]}-{slug}"


def write_all(data: dict, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "bench.json", folder / "bench.txt"]
    write_json(data, written[0])
    written[1].write_text(table_text(data))
    if write_chart(data, folder / "bench.png"):
        written.append(folder / "bench.png")
    return written
