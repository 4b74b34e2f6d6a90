import json

import pytest

from porter.backends.hip import tables
from porter.backends.hip.options import HipOptions


def test_tables_come_from_torch_and_are_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tables.name_tables.cache_clear()
    try:
        loaded = tables.name_tables()
        assert loaded.names["cudaMalloc"] == "hipMalloc"
        assert loaded.headers["cuda_runtime.h"] == "hip/hip_runtime.h"
        assert loaded.qualified["cub::"] == "hipcub::"
        cached = list((tmp_path / "porter").glob("hipify-tables-*.json"))
        assert len(cached) == 1 and json.loads(cached[0].read_text())["names"]["cudaFree"] == "hipFree"
    finally:
        tables.name_tables.cache_clear()


def test_torch_is_not_imported_to_read_the_tables():
    import subprocess
    import sys

    code = ("import sys; from porter.backends.hip.tables import name_tables; name_tables(); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_options():
    assert HipOptions().wave_size == 64
    assert HipOptions(offload_arch="gfx1100").wave_size == 32
    assert HipOptions(hip_version="5.2").at_least("5.2") and not HipOptions(hip_version="5.2").at_least("6.2")
    for bad in ({"offload_arch": "sm_90"}, {"hip_version": "six"}, {"launch_syntax": "kernel"}):
        with pytest.raises(ValueError):
            HipOptions(**bad)
