"""NKI candidates under porter's executable NKI model (porter.backends.nki.model; not AWS's simulator).

The model is pure numpy and imports only itself, so each job folder gets a copy of it as
``lib/porter/backends/nki/model`` (with empty ``porter``, ``porter.backends`` and
``porter.backends.nki`` packages around it): the rest of porter's checkout stays out of the
sandbox. The runner (:mod:`porter.llm.array_worker`) installs the model as ``nki`` before the
candidate is imported. Nothing is timed: the model is not a device.
"""

from __future__ import annotations

import importlib.util
import shutil
from functools import cache
from pathlib import Path

from porter.llm.array_executor import ArrayExecutor

MODEL_PACKAGE = "porter.backends.nki.model"


class NkiExecutor(ArrayExecutor):
    target = "nki"

    def detect_device(self) -> str:
        return "cpu"

    def stage(self, folder: Path) -> None:
        package = folder / "lib" / Path(*MODEL_PACKAGE.split("."))
        (folder / "lib").mkdir()
        for parent in [package.parents[i] for i in range(len(MODEL_PACKAGE.split(".")) - 1)][::-1]:
            parent.mkdir(exist_ok=True)
            (parent / "__init__.py").write_text("")
        package.mkdir()
        for source in model_files():
            shutil.copyfile(source, package / source.name)


@cache
def model_files() -> tuple[Path, ...]:
    """The model's Python files (found without importing it)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{MODEL_PACKAGE} is not importable: porter's NKI model is missing")
    folder = Path(list(spec.submodule_search_locations)[0])
    return tuple(sorted(folder.glob("*.py")))
