"""CUDA -> HIP name tables: HIPIFY's API tables, PyTorch's hipify tables and porter's own.

Three sources, and which wins when they disagree (first wins):

1. porter's own facts (``data/porter_hip.toml``): its ``renames`` (version-aware corrections and
   names the others lack) and ``hipify_corrections`` (HIPIFY rows porter knows to be wrong for
   the HIP versions it targets, e.g. ``__nv_bfloat16`` is ``__hip_bfloat16`` since HIP 6.0).
2. HIPIFY's tables (``data/hipify_api.json``, derived from ROCm/HIPIFY's ``docs/tables`` by
   ``derive_tables.py``): AMD's own record of each CUDA name's HIP equivalent and the HIP versions
   that added, deprecated, changed or removed it. HIPIFY's verdict is final for the names it
   lists, "unsupported" included -- except the device-function table, whose "unsupported" only
   means hipify leaves the name alone (HIP's headers define many of those under the CUDA name).
3. PyTorch's tables (``torch.utils.hipify``): names HIPIFY does not list (its ``CUDA_INCLUDE_MAP``
   and namespace maps are used for headers and ``ns::`` names).

PyTorch ships its tables in ``torch/utils/hipify/cuda_to_hip_mappings.py``, a module that needs
only the standard library; importing it through ``torch.utils`` would import torch (seconds), so
porter executes that one file on its own, derives the maps it needs, and caches them as JSON
keyed by the file's hash (``$XDG_CACHE_HOME/porter`` or ``~/.cache/porter``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

#: The tables of ``cuda_to_hip_mappings`` that concern CUDA itself (the rest are PyTorch's,
#: Caffe2's and c10's own names).
_TORCH_NAME_TABLES = ("CUDA_TYPE_NAME_MAP", "CUDA_IDENTIFIER_MAP", "CUDA_SPECIAL_MAP")
_CACHE_FORMAT = 2


class TablesUnavailable(RuntimeError):
    """PyTorch (which ships the rename tables) is not installed."""


@dataclass(frozen=True)
class NameTables:
    names: dict[str, str]        # identifier -> HIP identifier
    qualified: dict[str, str]    # "ns::name" or "ns::" -> HIP form
    headers: dict[str, str]      # header path as written in #include -> HIP header
    source: str                  # where the tables came from (for reports)


def torch_mapping_file() -> Path:
    spec = importlib.util.find_spec("torch")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise TablesUnavailable("the HIP backend needs PyTorch's hipify tables: pip install 'porter[hip]' "
                                "(or any torch >= 2.1)")
    path = Path(spec.submodule_search_locations[0]) / "utils" / "hipify" / "cuda_to_hip_mappings.py"
    if not path.is_file():
        raise TablesUnavailable(f"this torch has no {path.name}; install torch >= 2.1")
    return path


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "porter"


def _derive(path: Path) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("porter_torch_hipify_mappings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names: dict[str, str] = {}
    qualified: dict[str, str] = {}
    for table_name in _TORCH_NAME_TABLES:
        for cuda_name, mapped in getattr(module, table_name).items():
            hip_name = mapped[0] if isinstance(mapped, tuple) else mapped
            target = qualified if "::" in cuda_name else names
            if cuda_name.replace("_", "a").isalnum() or "::" in cuda_name:
                target.setdefault(cuda_name, hip_name)
    headers: dict[str, str] = {}
    for cuda_header, hip_header in module.CUDA_INCLUDE_MAP.items():
        # A few keys carry the include's punctuation ('include "cuda.h'); keep the bare path.
        key = cuda_header.replace("include ", "").strip('<"')
        value = hip_header.replace("include ", "").strip('<"')
        headers.setdefault(key, value)
    headers.setdefault("cuda.h", "hip/hip_runtime.h")
    return {"format": _CACHE_FORMAT, "names": names, "qualified": qualified, "headers": headers}


@cache
def name_tables() -> NameTables:
    path = torch_mapping_file()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    cache_file = _cache_dir() / f"hipify-tables-{digest}.json"
    data = None
    if cache_file.is_file():
        try:
            data = json.loads(cache_file.read_text())
            if data.get("format") != _CACHE_FORMAT:
                data = None
        except (OSError, ValueError):
            data = None
    if data is None:
        data = _derive(path)
        try:
            from porter.atomic import write_text_atomic

            write_text_atomic(cache_file, json.dumps(data))
        except Exception:  # noqa: BLE001 - a cache we cannot write only costs time
            pass
    return NameTables(data["names"], data["qualified"], data["headers"], str(path))


@dataclass(frozen=True)
class ApiEntry:
    """One row of HIPIFY's tables: a CUDA name, its HIP name ("" when HIP has none) and versions
    ("" when the table gives none). HIP versions are ROCm versions, CUDA versions CUDA's."""

    cuda: str
    section: str          # "family: section title", e.g. "driver: Context Management"
    cuda_added: str
    cuda_deprecated: str
    cuda_changed: str
    cuda_removed: str
    hip: str
    hip_added: str
    hip_deprecated: str
    hip_changed: str
    hip_removed: str
    hip_experimental: str

    @property
    def family(self) -> str:
        return self.section.split(":", 1)[0]


def hipify_file() -> Path:
    return Path(__file__).parent / "data" / "hipify_api.json"


@cache
def hipify_data() -> dict[str, Any]:
    return json.loads(hipify_file().read_text(encoding="utf-8"))


@cache
def hipify_api() -> dict[str, ApiEntry]:
    """HIPIFY's rows by CUDA name."""
    data = hipify_data()
    sections = data["sections"]
    entries = {}
    for row in data["rows"]:
        row = list(row)
        row[1] = sections[row[1]]
        entries[row[0]] = ApiEntry(*row)
    return entries


def hipify_source() -> str:
    """Where the HIPIFY data came from, for messages: 'HIPIFY 014177bc (2024-10-24)'."""
    source = hipify_data()["source"]
    return f"HIPIFY {source['commit']}" + (f" ({source['date']})" if source.get("date") else "")


@cache
def porter_table() -> dict[str, Any]:
    with (Path(__file__).parent / "data" / "porter_hip.toml").open("rb") as handle:
        return tomllib.load(handle)


def parse_version(text: str) -> tuple[int, int]:
    parts = str(text).strip().split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"bad HIP version {text!r}: expected MAJOR.MINOR such as 5.2 or 6.3")
    major = int(parts[0])
    minor = int(parts[1]) if len(parts) > 1 else 0
    return major, minor
