"""Each HIP rule on small inputs, with the expected output beside each input in cases/.

An input's first line names its options (`// porter-options: hip_version=5.2 ...`). Regenerate
with PORTER_UPDATE_EXPECTED=1 and review the diff.
"""

from pathlib import Path

import pytest

import porter
from tests.backends.hip.corpus import diagnostics_text, updating

CASES = Path(__file__).parent / "cases"


def _options(path: Path) -> dict:
    first = path.read_text().splitlines()[0]
    assert first.startswith("// porter-options:"), f"{path.name} must start with // porter-options:"
    return dict(item.split("=", 1) for item in first.split(":", 1)[1].split())


@pytest.mark.parametrize("path", sorted(CASES.glob("*.cu")), ids=lambda p: p.stem)
def test_rule_case(path):
    result = porter.translate(path, "hip", **_options(path))
    expected_code, expected_diag = path.with_suffix(".hip"), path.with_suffix(".diag")
    if updating():
        expected_code.write_text(result.code)
        expected_diag.write_text(diagnostics_text(result))
    assert result.code == expected_code.read_text()
    assert diagnostics_text(result) == expected_diag.read_text()
