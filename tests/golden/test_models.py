"""The recorded goldens agree with numpy models of their kernels (tests/golden/models.py).

This checks the corpus itself: a kernel that does not compute what its description says, or a
recording that went wrong, fails here. It needs recorded goldens (golden/recorded/), not a GPU.
"""

from __future__ import annotations

import numpy as np
import pytest

from porter.golden import corpus_dir, default_store, discover, load, load_spec
from porter.golden.dtypes import to_float
from porter.golden.store import entry_for
from tests.golden.models import DEFAULT_TOLERANCE, MODEL_TOLERANCES, MODELS

SPECS = [load_spec(path) for path in discover([corpus_dir()])]
RECORDED = [(spec, case) for spec in SPECS for case in spec.cases
            if entry_for(spec, case, default_store(spec.path)).status == "fresh"]


def test_every_corpus_kernel_has_a_model():
    assert sorted(MODELS) == sorted(spec.name for spec in SPECS)


@pytest.mark.skipif(not RECORDED, reason="no fresh recorded goldens")
@pytest.mark.parametrize(("spec", "case"), RECORDED, ids=[f"{s.name}/{c.name}" for s, c in RECORDED])
def test_recorded_outputs_match_the_model(spec, case):
    golden = load(default_store(spec.path), spec.name, case.name)
    dtypes = {name: info["dtype"] for name, info in golden.provenance["buffers"].items()}
    inputs = {name: to_float(value, dtypes[name]) for name, value in golden.inputs.items()}
    resolved = golden.provenance["resolved"]
    values = {**dict(resolved["sizes"]), **dict(resolved["scalars"])}
    expected = MODELS[spec.name](inputs, values)
    assert sorted(expected) == sorted(golden.outputs)
    rtol, atol = MODEL_TOLERANCES.get(spec.name, DEFAULT_TOLERANCE)
    for name, actual in golden.outputs.items():
        actual = to_float(actual, dtypes[name])
        wanted = np.asarray(expected[name]).reshape(actual.shape)
        if np.issubdtype(actual.dtype, np.integer):
            np.testing.assert_array_equal(actual, wanted, err_msg=name)
        else:
            np.testing.assert_allclose(actual, wanted, rtol=rtol, atol=atol, equal_nan=True, err_msg=name)
