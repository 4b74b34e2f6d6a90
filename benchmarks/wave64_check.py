"""Every HIP port of the golden corpus, run as a 64-lane AMD GPU runs it (on the CPU).

    python benchmarks/wave64_check.py [KERNEL ...] [--hip-version 5.2] [--json OUT]

For each kernel of golden/kernels: the port for gfx90a, made with the spec's launches as
``porter check`` makes it (rows of 32 threads keep 32-lane groups), runs on every recorded case with the CPU
reference executor's HIP dialect (warpSize 64; :mod:`porter.reference.wave64` says what it
models) and is compared with the recorded goldens; the original CUDA runs through the same
executor with 32-lane warps as a control. Prints one line per kernel (pass / fail / unsupported
with the first reason) and the totals; exits 1 when a port fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from porter.check.hip import HIP_VERSION
from porter.check.records import FAIL, PASS, UNSUPPORTED
from porter.golden.spec import load_spec
from porter.golden.store import default_store, load
from porter.reference.wave64 import CONTROL, PORT, check_wave64

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "kernels"


def one_kernel(name: str, hip_version: str | None):
    spec = load_spec(GOLDEN / f"{name}.toml")
    store = default_store(spec.path)
    cases = [(case, load(store, spec.name, case.name)) for case in spec.cases]
    return check_wave64(spec, cases, hip_version=hip_version)


def summary(records, run: str) -> tuple[str, str]:
    mine = [r for r in records if r.run == run]
    for status in (FAIL, UNSUPPORTED):
        bad = [r for r in mine if r.status == status]
        if bad:
            return status, f"{len(bad)}/{len(mine)} cases: {bad[0].case}: {bad[0].detail}"
    return PASS, f"{len(mine)}/{len(mine)} cases"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernels", nargs="*")
    parser.add_argument("--hip-version", default=HIP_VERSION, help="HIP version of the ports (porter check's)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write every record here")
    args = parser.parse_args()
    names = args.kernels or sorted(p.stem for p in GOLDEN.glob("*.toml"))
    started = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda n: one_kernel(n, args.hip_version), names))
    totals = {CONTROL: {}, PORT: {}}
    print(f"{'kernel':<18} {'control':<11} {'hip 64-lane':<11} detail")
    for name, records in zip(names, results):
        control, control_detail = summary(records, CONTROL)
        port, port_detail = summary(records, PORT)
        totals[CONTROL][control] = totals[CONTROL].get(control, 0) + 1
        totals[PORT][port] = totals[PORT].get(port, 0) + 1
        detail = port_detail if port != PASS else ("control: " + control_detail if control != PASS else port_detail)
        print(f"{name:<18} {control:<11} {port:<11} {detail[:300]}")
    for run, counts in totals.items():
        print(f"{run}: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in (PASS, FAIL, UNSUPPORTED)) + " (kernels)")
    print(f"{len(names)} kernels in {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for records in results for r in records], indent=1))
    return 1 if totals[PORT].get(FAIL) else 0


if __name__ == "__main__":
    sys.exit(main())
