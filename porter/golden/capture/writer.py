"""Turn captured launches into format-2 specs, their data files and goldens that ``porter check`` uses.

For each kernel, the captured launches that agree on everything a spec fixes (the scalars that are
not sizes: floats and negative integers; the ``__constant__`` symbols written; which pointer
arguments there are) become one spec, ``KERNEL.toml`` (``KERNEL__2.toml``... for other groups),
with one case per launch (``launch7``: the kernel's 8th launch). Sizes of a case: each buffer's element
count (``n_BUF``), the geometry (``grid_x``... ``block_x``... ``shared_bytes``) and each integer
scalar >= 0. Every buffer is ``init = "file"``: the captured memory before the launch, one ``.npy``
per case under ``KERNEL/{case}/``; a const pointer is an ``in`` buffer, any other ``inout``. A
symbol the program wrote is an ``in`` byte buffer copied by a ``symbol`` step before the launch.
The kernel file beside the spec is the program's source file that defines (or includes) the kernel,
its local headers inlined, its host functions (``main`` too) and other kernels cut out. Goldens:
inputs = the memory before, outputs = the memory after, with the capture's provenance (program,
arguments, launch index, stream, memory kind).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from porter.golden.capture.index import Launch
from porter.golden.capture.sources import Kernel, kernel_file_text
from porter.golden.expr import FUNCTIONS
from porter.golden.record import case_provenance
from porter.golden.resolve import resolve_case
from porter.golden.spec import load_spec
from porter.golden.store import save

GEOMETRY = ("grid_x", "grid_y", "grid_z", "block_x", "block_y", "block_z", "shared_bytes")


@dataclass(frozen=True)
class Written:
    spec: Path
    cases: tuple[str, ...]


def write_specs(launches: list[Launch], kernels: dict[str, Kernel], folder: Path, provenance: dict) -> list[Written]:
    """Write ``folder/kernels/*.toml`` (+ kernel files, data) and ``folder/recorded/`` goldens."""
    specs_dir = folder / "kernels"
    specs_dir.mkdir(parents=True, exist_ok=True)
    groups: dict[tuple[str, tuple], list[Launch]] = {}
    for launch in launches:
        groups.setdefault((launch.kernel, _group_key(kernels[launch.kernel], launch)), []).append(launch)
    written, seen = [], {}
    for (name, _), members in groups.items():
        seen[name] = seen.get(name, 0) + 1
        stem = name if seen[name] == 1 else f"{name}__{seen[name]}"
        written.append(_write_spec(stem, kernels[name], members, specs_dir, folder / "recorded", provenance))
    return written


def _group_key(kernel: Kernel, launch: Launch) -> tuple:
    fixed = tuple((p.name, repr(launch.scalars[p.name])) for p in kernel.params
                  if not p.pointer and not _is_size(launch.scalars[p.name]))
    return fixed, tuple(sorted(launch.symbols)), tuple(sorted(launch.before))


def _is_size(value: int | float) -> bool:
    return isinstance(value, int) and value >= 0


def _scalar_size(name: str) -> str:
    taken = set(GEOMETRY) | set(FUNCTIONS)
    return f"arg_{name}" if name in taken or name.startswith("n_") else name


def _write_spec(stem: str, kernel: Kernel, launches: list[Launch], specs_dir: Path, store: Path,
                provenance: dict) -> Written:
    first = launches[0]
    (specs_dir / f"{stem}.cu").write_text(kernel_file_text(kernel.unit or kernel.file, {kernel.name}))
    cases = []
    for launch in launches:
        case = f"launch{launch.number}"
        data = specs_dir / stem / case
        data.mkdir(parents=True, exist_ok=True)
        for name, values in {**launch.before, **{f"sym_{s}": v for s, v in launch.symbols.items()}}.items():
            np.save(data / f"{name}.npy", values, allow_pickle=False)
        cases.append(case)
    spec_path = specs_dir / f"{stem}.toml"
    spec_path.write_text(_spec_text(stem, kernel, first, launches, provenance))
    spec = load_spec(spec_path)
    for launch, case_name in zip(launches, cases):
        case = spec.case(case_name)
        resolved = resolve_case(spec, case)
        inputs = {b.name: _input(launch, b.name).reshape(b.shape) for b in resolved.buffers}
        outputs = {b.name: launch.after[b.name].reshape(b.shape) for b in resolved.buffers if b.role != "in"}
        save(store, spec.name, case_name, inputs, outputs, _provenance(spec, resolved, inputs, launch, provenance))
    return Written(spec_path, tuple(cases))


def _input(launch: Launch, buffer: str) -> np.ndarray:
    if buffer in launch.before:
        return launch.before[buffer]
    return launch.symbols[buffer.removeprefix("sym_")]


def _spec_text(stem: str, kernel: Kernel, first: Launch, launches: list[Launch], provenance: dict) -> str:
    program = " ".join([provenance["program"], *provenance["args"]])
    description = f"{kernel.name} as {Path(provenance['program']).name} launches it"
    lines = [
        f"# Captured by `porter golden capture` from `{program}`: launches of {kernel.name}",
        f"# ({kernel.file.name}:{kernel.line}). Inputs: the memory before each launch; goldens: after it.",
        "format = 2",
        f"description = {_string(description)}",
        'category = "pipeline"',
        "",
        "[buffers]",
    ]
    for param in (p for p in kernel.params if p.pointer):
        role = "in" if param.const else "inout"
        lines.append(f'{param.name} = {{ dtype = "{param.dtype}", shape = "n_{param.name}", role = "{role}", '
                     f'init = "file", file = {_string(f"{stem}/{{case}}/{param.name}.npy")} }}')
    for symbol in sorted(first.symbols):
        lines.append(f'sym_{symbol} = {{ dtype = "uint8", shape = "n_sym_{symbol}", role = "in", init = "file", '
                     f'file = {_string(f"{stem}/{{case}}/sym_{symbol}.npy")} }}')
    scalars = [p for p in kernel.params if not p.pointer]
    if scalars:
        lines += ["", "[scalars]"]
        for param in scalars:
            value = first.scalars[param.name]
            lines.append(f"{param.name} = {_string(_scalar_size(param.name)) if _is_size(value) else _number(value)}")
    lines.append("")
    for symbol in sorted(first.symbols):
        lines += ["[[step]]", f'symbol = "{symbol}"', f'from = "sym_{symbol}"', ""]
    args = ", ".join(_string(p.name) for p in kernel.params)
    lines += ["[[step]]", f'kernel = "{kernel.name}"', 'grid = ["grid_x", "grid_y", "grid_z"]',
              'block = ["block_x", "block_y", "block_z"]', 'shared_bytes = "shared_bytes"', f"args = [{args}]", ""]
    for launch in launches:
        sizes = dict(zip(GEOMETRY, (*launch.grid, *launch.block, launch.shared)))
        sizes.update({f"n_{name}": int(values.size) for name, values in launch.before.items()})
        sizes.update({f"n_sym_{name}": int(values.size) for name, values in launch.symbols.items()})
        sizes.update({_scalar_size(p.name): launch.scalars[p.name] for p in scalars
                      if _is_size(launch.scalars[p.name])})
        table = ", ".join(f"{key} = {value}" for key, value in sizes.items())
        lines += ["[[case]]", f'name = "launch{launch.number}"', f"sizes = {{ {table} }}", ""]
    return "\n".join(lines)


def _string(text: str) -> str:
    return json.dumps(text)


def _number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}[repr(value)]
    return repr(float(value))


def _provenance(spec, resolved, inputs: dict, launch: Launch, capture: dict) -> dict:
    return case_provenance(spec, resolved, inputs, {
        "gpu": capture.get("gpu", {}),
        "captured": {"program": capture["program"], "args": capture["args"], "kernel": launch.kernel,
                     "launch": launch.number, "stream": launch.stream, "memory": launch.memory,
                     "runtime": capture.get("runtime", "")}})


