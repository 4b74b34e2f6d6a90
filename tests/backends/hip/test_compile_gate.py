"""The AMD compile gate over the whole corpus: every HIP output compiles with Debian's hipcc
(HIP 5.2) for gfx90a (64-lane) and gfx1100 (32-lane), or carries an error diagnostic saying why
not. The only other allowed outcome is a HIP library whose headers Debian 12 does not package
(hipBLAS, hipCUB, rocThrust, hipFFT): that output must carry porter's note naming the library.
Zero outputs may fail to compile silently.
"""

import os

import pytest

from porter.backends.hip.compile_gate import compile_file, find_hipcc
from porter.backends.hip.tables import porter_table
from tests.backends.hip.corpus import CONFIGS, GATE_CONFIGS, corpus_files, translated

HIPCC = find_hipcc()
if HIPCC is None and os.environ.get("PORTER_REQUIRE_HIPCC") != "1":
    pytestmark = pytest.mark.skip(reason="hipcc not installed (apt-get install -y hipcc libamdhip64-dev)")

_UNPACKAGED_HEADER_PREFIXES = {"hipblas/": "cublas", "hipcub/": "cub", "hipfft/": "cufft", "thrust/": "thrust"}


def _library_of_header(header):
    return next((lib for prefix, lib in _UNPACKAGED_HEADER_PREFIXES.items() if (header or "").startswith(prefix)), None)


@pytest.mark.hipcc
@pytest.mark.parametrize("config", GATE_CONFIGS)
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_output_compiles_or_says_why_not(path, config, tmp_path):
    assert HIPCC is not None, "PORTER_REQUIRE_HIPCC=1 but hipcc is missing"
    result = translated(path.name, config)
    if result.errors:
        return  # porter said why this output needs a person; nothing to hold the compiler to
    for header in corpus_files():  # the ported headers beside the port, as `porter port` writes them
        if header.suffix == ".cuh":
            (tmp_path / header.name).write_text(translated(header.name, config).code)
    (tmp_path / path.name).write_text(result.code)
    gate = compile_file(tmp_path / path.name, CONFIGS[config]["offload_arch"], hipcc=HIPCC)
    if gate.ok:
        return
    library = _library_of_header(gate.missing_header)
    assert library is not None, f"{path.name} fails to compile silently:\n{gate.output[-3000:]}"
    assert not porter_table()["libraries"][library]["debian12"]
    notes = [d for d in result.diagnostics if d.id == "P0232" and library in d.message]
    assert notes, f"{path.name} needs {library} headers this machine lacks, and porter did not say so"
