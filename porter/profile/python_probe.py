"""Run a Python workload under ``torch.profiler`` inside its own process.

    python python_probe.py OUTDIR SCRIPT [ARGS...]
    python python_probe.py OUTDIR -m MODULE [ARGS...]

The workload runs as ``__main__`` with its own ``sys.argv``; whatever way it ends (return,
``sys.exit``, an exception), the profiler is stopped and OUTDIR receives ``trace.json`` (the
Chrome/Perfetto trace Kineto exports), ``totals.json`` (the profiler's own per-kernel totals,
from ``key_averages``) and ``probe.json`` (versions, device, exit status).
"""

from __future__ import annotations

import json
import runpy
import sys
import traceback
from pathlib import Path


def _device_info(torch) -> dict:
    info: dict = {"torch": torch.__version__, "cuda_runtime": torch.version.cuda}
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info.update(gpu=props.name, capability=f"{props.major}.{props.minor}",
                    multiprocessors=props.multi_processor_count)
    for name in ("triton", "jax"):
        module = sys.modules.get(name)
        if module is not None:
            info[name] = getattr(module, "__version__", "?")
    return info


def _totals(prof, device_type) -> dict:
    """name -> [calls, total ns] over the device-side events, as the profiler aggregates them."""
    totals = {}
    for event in prof.key_averages():
        if event.device_type == device_type:
            totals[event.key] = [int(event.count), int(round(float(event.self_device_time_total) * 1000))]
    return totals


def main(argv: list[str]) -> int:
    if len(argv) < 2 or (argv[1] == "-m" and len(argv) < 3):
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    import torch
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if torch.cuda.is_available() else [])
    as_module = argv[1] == "-m"
    target = argv[2] if as_module else argv[1]
    sys.argv = [target, *argv[3 if as_module else 2:]]
    if not as_module:
        sys.path.insert(0, str(Path(target).resolve().parent))
    status, error = 0, None
    with profile(activities=activities) as prof:
        try:
            if as_module:
                runpy.run_module(target, run_name="__main__", alter_sys=True)
            else:
                runpy.run_path(target, run_name="__main__")
        except SystemExit as done:
            status = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        except BaseException:  # noqa: BLE001 -- the workload's failure is reported, the profile still kept
            error = traceback.format_exc()
            status = 1
        finally:
            if torch.cuda.is_available():
                torch.cuda.synchronize()
    prof.export_chrome_trace(str(out / "trace.json"))
    (out / "totals.json").write_text(json.dumps(_totals(prof, DeviceType.CUDA), indent=1))
    (out / "probe.json").write_text(json.dumps({"status": status, "error": error, **_device_info(torch)}, indent=1))
    if error:
        print(error, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
