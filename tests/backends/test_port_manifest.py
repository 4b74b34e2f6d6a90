"""Every golden kernel's port, by every backend and flavour, against a committed hash manifest.

For each golden kernel (``golden/kernels/*.cu``, with its spec's template instances) and each
port flavour in :data:`FLAVOURS`, ``port_manifest.json`` holds the sha256 of the emitted code and
of the rendered diagnostics. Any change to any port fails the test, naming the ports that changed.
When a change is intended, regenerate the manifest and commit it with the change::

    PORTER_UPDATE_MANIFEST=1 python -m pytest -q -p no:xdist tests/backends/test_port_manifest.py

A missing manifest fails (it is written only when asked for).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

import porter
from porter.golden.spec import load_spec
from porter.source import read_source_bytes, source_from_bytes

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "golden" / "kernels"
MANIFEST = Path(__file__).with_name("port_manifest.json")
UPDATE = "PORTER_UPDATE_MANIFEST"

#: flavour name -> (target, options): HIP with the option sets its corpus tests use, then the tile backends
FLAVOURS: dict[str, tuple[str, dict]] = {
    "hip": ("hip", {}),
    "hip-gfx90a-5.2": ("hip", {"hip_version": "5.2", "offload_arch": "gfx90a"}),
    "hip-gfx1100-5.2": ("hip", {"hip_version": "5.2", "offload_arch": "gfx1100"}),
    "hip-gfx942-6.3": ("hip", {"hip_version": "6.3", "offload_arch": "gfx942"}),
    "hip-gfx90a-5.2-ggl": ("hip", {"hip_version": "5.2", "offload_arch": "gfx90a", "launch_syntax": "ggl"}),
    "triton": ("triton", {}),
    "pallas-gpu": ("pallas", {"flavor": "gpu"}),
    "pallas-tpu": ("pallas", {"flavor": "tpu"}),
    "nki": ("nki", {}),
}
TILE_TARGETS = {"triton", "pallas", "nki"}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def port_hashes() -> dict[str, dict[str, str]]:
    """``{"KERNEL.cu FLAVOUR": {"code": sha256, "diagnostics": sha256}}`` for every golden kernel and
    flavour. Sources are named by their path under the repository (``golden/kernels/x.cu``), so
    spans, and so the hashes, do not depend on where the checkout lies. Kernel-major order: the tile
    backends of one file share its IR (backends/tile.py's cache)."""
    hashes = {}
    for spec_path in sorted(GOLDEN.glob("*.toml")):
        spec = load_spec(spec_path)
        path = Path(spec.source)
        name = path.resolve().relative_to(ROOT).as_posix()
        source = source_from_bytes(name, read_source_bytes(path, name), path)
        for flavour, (target, options) in FLAVOURS.items():
            if target in TILE_TARGETS:
                options = {**options, "instantiate": spec.instances}
            result = porter.translate(source, target, **options)
            rendered = "\n\n".join(d.render(source.text) for d in result.diagnostics)
            hashes[f"{path.name} {flavour}"] = {"code": sha256(result.code), "diagnostics": sha256(rendered)}
    return hashes


def changes(old: dict, new: dict) -> list[str]:
    """One line per port that differs between two manifests' ``ports``."""
    lines = []
    for key in sorted(old.keys() | new.keys()):
        if key not in new:
            lines.append(f"{key}: no longer ported")
        elif key not in old:
            lines.append(f"{key}: new port, not in the manifest")
        else:
            what = [part for part in ("code", "diagnostics") if old[key][part] != new[key][part]]
            if what:
                lines.append(f"{key}: {' and '.join(what)} changed")
    return lines


def test_every_golden_port_matches_the_manifest():
    ports = port_hashes()
    assert len(ports) == len(list(GOLDEN.glob("*.toml"))) * len(FLAVOURS) > 0
    if os.environ.get(UPDATE) == "1":
        MANIFEST.write_text(json.dumps({"ports": ports}, indent=1, sort_keys=True) + "\n")
        return
    if not MANIFEST.exists():
        pytest.fail(f"{MANIFEST.name} is missing; write it with {UPDATE}=1 (and review the ports first)")
    recorded = json.loads(MANIFEST.read_text())["ports"]
    changed = changes(recorded, ports)
    assert not changed, (f"{len(changed)} ports differ from {MANIFEST.name} (if intended, regenerate it "
                         f"with {UPDATE}=1 and commit it):\n" + "\n".join(changed))


def test_changes_names_each_kind_of_difference():
    old = {"a.cu hip": {"code": "1", "diagnostics": "2"}, "b.cu nki": {"code": "1", "diagnostics": "2"},
           "c.cu triton": {"code": "1", "diagnostics": "2"}}
    new = {"a.cu hip": {"code": "9", "diagnostics": "2"}, "c.cu triton": {"code": "1", "diagnostics": "9"},
           "d.cu nki": {"code": "1", "diagnostics": "2"}}
    assert changes(old, new) == ["a.cu hip: code changed", "b.cu nki: no longer ported",
                                 "c.cu triton: diagnostics changed", "d.cu nki: new port, not in the manifest"]
    assert changes(old, old) == []
