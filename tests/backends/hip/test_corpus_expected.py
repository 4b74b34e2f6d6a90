"""Every corpus file, under every configuration, translates to its checked-in expected output.

Regenerate after an intended change with PORTER_UPDATE_EXPECTED=1 and review the diff.
"""

import pytest

from tests.backends.hip.corpus import CONFIGS, corpus_files, diagnostics_text, expected_paths, translated, updating


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_matches_expected(path, config):
    result = translated(path.name, config)
    code_file, diag_file = expected_paths(path.name, config)
    if updating():
        code_file.parent.mkdir(parents=True, exist_ok=True)
        code_file.write_text(result.code)
        diag_file.write_text(diagnostics_text(result))
    assert code_file.exists(), f"no expected output {code_file}; run with PORTER_UPDATE_EXPECTED=1"
    assert result.code == code_file.read_text()
    assert diagnostics_text(result) == diag_file.read_text()


def test_corpus_is_large_enough():
    assert len(corpus_files()) >= 40
