"""The import shim: ``import nki`` resolves to porter's model only when AWS's nki is not importable."""

import importlib
import sys

import numpy as np
import pytest

from porter.backends.nki import model
from porter.backends.nki.model import install_model, model_installed, real_nki_available


@pytest.fixture
def clean_nki(monkeypatch):
    """No nki modules loaded; whatever was there comes back after the test."""
    for name in [n for n in sys.modules if n == "nki" or n.startswith("nki.")]:
        monkeypatch.delitem(sys.modules, name)
    yield
    for name in [n for n in sys.modules if n == "nki" or n.startswith("nki.")]:
        del sys.modules[name]


def _fake_package(tmp_path, with_isa):
    root = tmp_path / "site" / "nki"
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("REAL = True\n")
    if with_isa:
        (root / "isa.py").write_text("")
        (root / "language.py").write_text("")
    return tmp_path / "site"


def test_model_installs_when_no_nki_exists(clean_nki):
    assert not real_nki_available()
    with model_installed() as how:
        assert how == "model"
        import nki
        import nki.isa as nisa
        import nki.language as nl
        assert nki.__porter_model__ and nl is model.language and nisa is model.isa
        assert nki.jit is model.jit and nki.simulate is model.simulate
        assert "not AWS" in nki.__doc__
    assert "nki" not in sys.modules


def test_pypi_placeholder_does_not_count_as_real(clean_nki, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(_fake_package(tmp_path, with_isa=False)))
    importlib.invalidate_caches()
    assert not real_nki_available()
    import nki  # the placeholder, loaded first
    assert nki.REAL
    with model_installed() as how:
        assert how == "model" and sys.modules["nki"].__porter_model__
    assert sys.modules["nki"] is nki  # restored


def test_real_nki_is_left_alone(clean_nki, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(_fake_package(tmp_path, with_isa=True)))
    importlib.invalidate_caches()
    assert real_nki_available()
    assert install_model() == "real"
    import nki
    assert nki.REAL and not hasattr(nki, "__porter_model__") and real_nki_available()
    with model_installed(force=True) as how:
        assert how == "model" and sys.modules["nki"].__porter_model__
    assert sys.modules["nki"] is nki


def test_install_model_stays_installed(clean_nki):
    assert install_model() == "model"
    import nki.language as nl
    assert nl.__porter_model__
    assert not real_nki_available()  # the model is not the real thing


def test_jit_with_options_and_direct_call_with_tensors():
    nl, nisa = model.language, model.isa

    @model.jit(platform_target="trn2")
    def double(x):
        out = nl.ndarray(x.shape, x.dtype, buffer=nl.shared_hbm)
        t = nl.ndarray(x.shape, x.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=x)
        nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=2.0)
        nisa.dma_copy(dst=out, src=t)
        return out

    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(double(x), 2 * x)
    assert double.__name__ == "double"
    as_tensor = double(model.hbm_input(x))  # inside a kernel: a plain call returning the tensor
    assert isinstance(as_tensor, model.Tensor) and as_tensor.shape == (2, 3)
    bf = model.run_kernel(double, model.hbm_input(x + 0.01, nl.bfloat16))
    assert bf.dtype == np.float32 and bf[0, 1] == 2 * np.float32(1.0078125)


def test_instructions_return_none():
    nl, nisa = model.language, model.isa
    t = nl.ndarray((2, 2), nl.float32)
    assert nisa.memset(dst=t, value=0.0) is None
