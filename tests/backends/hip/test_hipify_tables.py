"""HIPIFY's API tables, as porter ports them: tests generated from the committed table data.

For each API family, a seeded sample of names (plus every name whose HIP equivalent arrived at a
version boundary around 5.2, 6.0 and 6.3) is ported in a small CUDA snippet at several
``--hip-version``s: the table's HIP name when that HIP has it, P0280 naming the version when it
is not there yet, P0230 when HIP has none. The data file itself is checked against the markdown
tables it is derived from (skipped when ../shared is absent).
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import pytest

import porter
from porter.backends.hip.derive_tables import derive, render
from porter.backends.hip.tables import ApiEntry, hipify_api, hipify_file, parse_version, porter_table

TABLES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "hipify-tables"
FAMILIES = ("runtime", "driver", "device", "cublas", "cublaslt", "cusparse", "cusolver", "curand", "cufft",
            "cudnn", "cub", "nvrtc", "cucomplex")
VERSIONS = ("5.2", "6.0", "6.3")
BOUNDARIES = {(5, 2), (5, 3), (6, 0), (6, 1), (6, 3), (6, 4)}
PER_FAMILY = 20
SEED = 20241024


def _porter_owned() -> set[str]:
    """Names porter's own data decides (tested in test_rules / the corpus), not HIPIFY's rows."""
    table = porter_table()
    owned = set(table["renames"]) | set(table["hipify_corrections"]) | set(table["unsupported"])
    owned |= set(table["cuda_macros"]) | set(table["changed_calls"])
    return owned


def _library_without_hip(name: str) -> bool:
    for library in porter_table()["libraries"].values():
        if not library.get("hip") and any(name.startswith(p) for p in library.get("prefixes", ())):
            return True
    return False


def _testable(entry: ApiEntry) -> bool:
    if entry.cuda in _porter_owned() or _library_without_hip(entry.cuda) or "::" in entry.cuda:
        return False
    return bool(entry.hip) or entry.family != "device"  # device "unsupported" rows are left alone


def _sample() -> dict[str, list[ApiEntry]]:
    by_family: dict[str, list[ApiEntry]] = defaultdict(list)
    for entry in hipify_api().values():
        if _testable(entry):
            by_family[entry.family].append(entry)
    rng = random.Random(SEED)
    chosen = {}
    for family, entries in by_family.items():
        entries.sort(key=lambda e: e.cuda)
        picked = rng.sample(entries, min(PER_FAMILY, len(entries)))
        picked += [e for e in entries if e.hip_added and parse_version(e.hip_added) in BOUNDARIES and e not in picked]
        chosen[family] = picked
    return chosen


SAMPLE = _sample()


def expectation(entry: ApiEntry, version: str) -> tuple[str, str]:
    """('rename', hip name) | ('P0280', version) | ('P0282', version) | ('P0230', '')."""
    target = parse_version(version)
    if not entry.hip:
        return "P0230", ""
    if entry.hip_added and parse_version(entry.hip_added) > target:
        major, minor = parse_version(entry.hip_added)
        return "P0280", f"{major}.{minor}"
    if entry.hip_removed and parse_version(entry.hip_removed) <= target:
        major, minor = parse_version(entry.hip_removed)
        return "P0282", f"{major}.{minor}"
    return "rename", entry.hip


def _snippet(entries: list[ApiEntry]) -> str:
    lines = ["void porter_table_probe() {"]
    lines += [f"  (void){entry.cuda};" for entry in entries]
    return "\n".join(lines + ["}", ""])


def test_every_family_is_sampled():
    assert set(FAMILIES) - {"cudnn"} <= set(SAMPLE), set(FAMILIES) - set(SAMPLE)
    for family, entries in SAMPLE.items():
        assert len(entries) >= min(PER_FAMILY, 10), family


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("family", sorted(SAMPLE))
def test_sampled_names_port_as_the_tables_say(family, version):
    entries = SAMPLE[family]
    result = porter.translate(_snippet(entries), "hip", hip_version=version)
    out_lines = result.code.splitlines()
    by_line = defaultdict(list)
    for d in result.diagnostics:
        by_line[d.span.line].append(d)
    first = out_lines.index("void porter_table_probe() {")
    problems = []
    for index, entry in enumerate(entries):
        line_no = index + 2  # 1-based line of the entry in the snippet
        written = out_lines[first + index + 1].strip()
        found = {d.id: d.message for d in by_line[line_no]}
        kind, value = expectation(entry, version)
        if kind == "rename":
            if written != f"(void){value};" or "P0230" in found or "P0280" in found:
                problems.append(f"{entry.cuda}: expected `{value}`, got {written!r} {found}")
            if entry.hip_deprecated and parse_version(entry.hip_deprecated) <= parse_version(version) \
                    and "P0281" not in found:
                problems.append(f"{entry.cuda}: deprecated in HIP {entry.hip_deprecated} without P0281")
        elif kind == "P0230":
            if "P0230" not in found or "unsupported" not in found["P0230"] or written != f"(void){entry.cuda};":
                problems.append(f"{entry.cuda}: expected P0230, got {written!r} {found}")
        else:
            if kind not in found or f"HIP {value}" not in found[kind] or written != f"(void){entry.cuda};":
                problems.append(f"{entry.cuda}: expected {kind} naming HIP {value}, got {written!r} {found}")
    assert not problems, "\n".join(problems[:20])


def test_cudnn_names_report_the_library_not_each_name():
    names = sorted(e.cuda for e in hipify_api().values() if e.family == "cudnn")[:5]
    result = porter.translate(_snippet([hipify_api()[n] for n in names]), "hip")
    ids = [d.id for d in result.diagnostics]
    assert ids == ["P0231"], ids


def test_device_rows_without_a_hip_name_are_left_alone():
    # HIPIFY's device table lists many functions HIP's headers define under the CUDA name
    entry = next(e for e in sorted(hipify_api().values(), key=lambda e: e.cuda)
                 if e.family == "device" and not e.hip and e.cuda not in _porter_owned()
                 and e.cuda.startswith("__"))
    result = porter.translate(_snippet([entry]), "hip")
    assert f"(void){entry.cuda};" in result.code
    assert not [d for d in result.diagnostics if d.id.startswith("P02")]


def test_a_name_hip_added_later_names_the_version_and_is_left_as_written():
    result = porter.translate("void f() { cudaDeviceSetLimit(cudaLimitMallocHeapSize, 1); }\n", "hip",
                              hip_version="5.2")
    [late] = [d for d in result.diagnostics if d.id == "P0280"]
    assert "`cudaDeviceSetLimit` -> `hipDeviceSetLimit` needs HIP 5.3" in late.message
    assert "cudaDeviceSetLimit(hipLimitMallocHeapSize, 1)" in result.code
    assert "hipDeviceSetLimit(hipLimitMallocHeapSize, 1)" in porter.translate(
        "void f() { cudaDeviceSetLimit(cudaLimitMallocHeapSize, 1); }\n", "hip", hip_version="5.3").code


def test_deprecated_hip_names_are_written_with_a_warning():
    result = porter.translate("void f(CUcontext c) { cuCtxPushCurrent(c); }\n", "hip")
    assert "hipCtxPushCurrent(c)" in result.code
    assert [d.id for d in result.diagnostics if d.id == "P0281"] == ["P0281"]


def test_hipify_wins_over_torch_and_porter_over_both():
    code = porter.translate("void f() { int a = CU_FUNC_ATTRIBUTE_NUM_REGS; cudaStream_t s = cudaStreamLegacy; "
                            "__nv_bfloat16 b; }\n", "hip", hip_version="6.3").code
    assert "HIP_FUNC_ATTRIBUTE_NUM_REGS" in code  # HIPIFY (torch: hipFuncAttributeNumRegs, a runtime enum)
    assert "((hipStream_t)0)" in code             # porter's own (HIPIFY: hipStreamLegacy, HIP 6.2+)
    assert "__hip_bfloat16 b" in code             # porter's correction of HIPIFY's hip_bfloat16


def test_cuda13_mem_prefetch_with_a_location_is_ported_to_a_device_id():
    source = ("void f(float* p, size_t n, int dev, cudaStream_t s) {\n"
              "  cudaMemLocation loc = {};\n"
              "  cudaMemPrefetchAsync(p, n, loc, 0, s);\n"
              "  cudaMemPrefetchAsync(p, n, {cudaMemLocationTypeDevice, dev}, 0, s);\n"
              "  cudaMemPrefetchAsync(p, n, dev, s);\n"
              "  cudaMemPrefetchAsync(p, n, loc, flags, s);\n"
              "}\n")
    result = porter.translate(source, "hip")
    lines = result.code.splitlines()
    lines = lines[lines.index("void f(float* p, size_t n, int dev, hipStream_t s) {"):]
    assert lines[2].strip() == ("hipMemPrefetchAsync(p, n, (loc).type == hipMemLocationTypeDevice ? (loc).id "
                                ": hipCpuDeviceId, s);")
    assert lines[3].strip() == "hipMemPrefetchAsync(p, n, dev, s);"
    assert lines[4].strip() == "hipMemPrefetchAsync(p, n, dev, s);"
    [flags] = [d for d in result.diagnostics if d.id == "P0283"]
    assert flags.span.line == 6


def test_unknown_names_say_neither_table_lists_them():
    result = porter.translate("void f() { cudaPorterNoSuchCall(); }\n", "hip")
    [unknown] = result.diagnostics
    assert unknown.id == "P0230" and "neither HIPIFY" in unknown.message


def test_data_file_carries_its_source_and_license():
    text = hipify_file().read_text(encoding="utf-8")
    assert len(text.encode()) < 2_000_000
    assert "Permission is hereby granted" in text and '"commit": "014177bc"' in text


def test_generator_reproduces_the_committed_file():
    if not (TABLES / "SOURCE.md").is_file():
        pytest.skip(f"HIPIFY's tables are not at {TABLES} (../shared is absent)")
    assert render(derive(TABLES)) == hipify_file().read_text(encoding="utf-8"), \
        "backends/hip/data/hipify_api.json is stale: run python scripts/derive_hip_api_tables.py"
