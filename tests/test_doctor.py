"""porter.doctor: probes that survive missing and hanging tools, and the checks derived from them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from porter import doctor
from porter.doctor import Probe, available_checks

FOUND = Probe(True, "1.0", "/x")
MISSING = Probe(False, detail="not installed")


def fake_tool(folder: Path, name: str, script: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)
    return str(path)


def checks():
    """The checks of a machine like the development ones: hipcc, nvcc and torch; no GPU."""
    tools = {"hipcc": FOUND, "nvcc": FOUND, "torch_hipify_tables": FOUND}
    packages = {"torch": FOUND, "triton": MISSING, "jax": MISSING, "jaxlib": MISSING, "jax_cuda_plugin": MISSING,
                "nki": MISSING}
    gate = {"gfx90a": {"ok": True, "flags": [], "detail": "compiles"},
            "gfx1100": {"ok": True, "flags": ["-nogpulib", "-fgpu-rdc"], "detail": "compiles with ..."}}
    return {c.name: c for c in available_checks(tools, packages, gate, [])}


def test_checks_follow_from_what_was_found(monkeypatch):
    monkeypatch.setattr(doctor, "porter_parts", lambda: ({"hip"}, True))
    found = checks()
    assert found["hip translation"].available and found["hip compile gate"].available
    assert "gfx1100: ok (-nogpulib -fgpu-rdc)" in found["hip compile gate"].detail
    assert not found["hip run on NVIDIA GPU"].available and "an NVIDIA GPU" in found["hip run on NVIDIA GPU"].detail
    assert not found["triton interpreter"].available and found["triton interpreter"].detail.endswith("triton")
    assert not found["pallas interpreter"].available
    assert not found["nki (porter's model)"].available and "not built yet" in found["nki (porter's model)"].detail


def test_a_built_nki_backend_is_checkable_with_porters_model(monkeypatch):
    monkeypatch.setattr(doctor, "porter_parts", lambda: ({"hip", "nki"}, True))
    found = checks()
    assert found["nki (porter's model)"].available and found["nki (porter's model)"].detail == "porter's model only"


def test_checks_with_triton_jax_and_a_gpu(monkeypatch):
    monkeypatch.setattr(doctor, "porter_parts", lambda: ({"hip", "triton", "pallas", "nki"}, True))
    tools = {"hipcc": MISSING, "nvcc": FOUND, "torch_hipify_tables": MISSING}
    packages = {name: FOUND for name in ("torch", "triton", "jax", "jaxlib", "jax_cuda_plugin")}
    packages["nki"] = MISSING
    gpus = [{"vendor": "nvidia", "name": "NVIDIA H100"}]
    found = {c.name: c for c in available_checks(tools, packages, {}, gpus)}
    assert all(found[name].available for name in ("hip run on NVIDIA GPU", "triton interpreter", "triton GPU",
                                                  "pallas interpreter", "pallas GPU"))
    assert not found["hip compile gate"].available and "needs hipcc" in found["hip compile gate"].detail
    assert not found["hip translation"].available


def test_nothing_installed_is_a_report_not_a_crash(monkeypatch):
    monkeypatch.setattr(doctor, "find_tool", lambda name: None)
    report = doctor.diagnose()
    assert report["tools"]["hipcc"]["found"] is False and report["hip_gate"] == {}
    assert report["gpus"] == []
    assert not next(c for c in report["checks"] if c["name"] == "hip compile gate")["available"]


def test_a_hanging_tool_times_out(tmp_path: Path, monkeypatch):
    hanging = fake_tool(tmp_path, "nvcc", "exec sleep 30")
    monkeypatch.setattr(doctor, "find_tool", lambda name: hanging if name == "nvcc" else None)
    monkeypatch.setattr(doctor, "TIMEOUT", 0.5)
    started = time.monotonic()
    probe = doctor.probe_nvcc()
    assert time.monotonic() - started < 10
    assert not probe.found and "did not answer within 0.5 s" in probe.detail


def test_a_broken_tool_says_so(tmp_path: Path, monkeypatch):
    broken = fake_tool(tmp_path, "hipcc", "echo 'hipcc: cannot find perl' >&2; exit 3")
    monkeypatch.setattr(doctor, "find_tool", lambda name: broken)
    probe = doctor.probe_hipcc()
    assert not probe.found and "cannot find perl" in probe.detail
    code, output = doctor.run_tool([str(tmp_path / "not-there")])
    assert code is None and "could not run" in output


def test_versions_and_gpus_are_parsed(tmp_path: Path, monkeypatch):
    tools = {
        "nvcc": fake_tool(tmp_path, "nvcc", "echo 'Cuda compilation tools, release 13.0, V13.0.88'"),
        "hipcc": fake_tool(tmp_path, "hipcc", "echo \"HIP version: 5.2.21153-0 ($HIP_PLATFORM)\"; "
                                              "echo 'Debian clang version 15.0.6'"),
        "nvidia-smi": fake_tool(tmp_path, "nvidia-smi", "echo 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-1234)'"),
    }
    monkeypatch.setattr(doctor, "find_tool", lambda name: tools.get(name))
    assert doctor.probe_nvcc().version == "13.0.88"
    hipcc = doctor.probe_hipcc()
    assert (hipcc.version, hipcc.detail) == ("5.2.21153-0", "clang 15.0.6; --hip-version auto = 5.2")
    gpus, smi = doctor.probe_gpus()
    assert gpus == [{"vendor": "nvidia", "name": "NVIDIA H100 80GB HBM3"}]
    assert smi["nvidia-smi"].found and not smi["rocm-smi"].found


def test_packages_come_from_metadata_without_importing_them():
    probe = doctor.probe_package("pytest")
    assert probe.found and probe.version
    assert not doctor.probe_package("porter-no-such-package").found
    assert doctor.probe_package("no-such-a", "pytest").detail == "as pytest"
    script = ("import sys; from porter.doctor import diagnose; diagnose(gate=False); "
              "print(sorted(m for m in ('torch', 'triton', 'jax', 'clang.cindex') if m in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


@pytest.mark.hipcc
@pytest.mark.skipif(doctor.find_tool("hipcc") is None, reason="hipcc not installed")
def test_the_hip_gate_compiles_for_gfx90a_and_gfx1100():
    from porter.backends.hip.compile_gate import device_library_arches

    report = doctor.diagnose()
    assert set(report["hip_gate"]) == {"gfx90a", "gfx1100"}
    for arch, gate in report["hip_gate"].items():
        assert gate["ok"], gate
        expected = [] if arch in device_library_arches() else ["-nogpulib", "-fgpu-rdc"]
        assert gate["flags"] == expected
    if "gfx1100" not in device_library_arches():  # Debian's HIP 5.2
        assert "no gfx1100 device-library bitcode" in report["hip_gate"]["gfx1100"]["detail"]
