"""What this machine can run checks with, found once per `porter check`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from porter.backends.hip.compile_gate import find_hipcc
from porter.golden.errors import ToolchainError
from porter.golden.toolchain import Gpu, Toolchain, find_gpu, find_nvcc


@dataclass
class Machine:
    build_dir: Path
    nvcc_path: str | None = None
    missing: dict[str, str] = field(default_factory=dict)  # tool -> why it is unavailable
    #: how the project compiles its files: porter.translate's project keywords (include_dirs,
    #: defines, undefines, std, cuda_path, compile_commands), given to every translation a check makes
    project: dict = field(default_factory=dict)

    def translate(self, source, target: str, **options):
        """``porter.translate`` with the project's compile context."""
        import porter

        return porter.translate(source, target, **self.project, **options)

    @cached_property
    def hipcc(self) -> str | None:
        found = find_hipcc()
        if found is None:
            self.missing["hipcc"] = "hipcc not installed (apt-get install -y hipcc libamdhip64-dev)"
        return found

    @cached_property
    def nvcc(self) -> Toolchain | None:
        try:
            return find_nvcc(self.nvcc_path)
        except ToolchainError as error:
            self.missing["nvcc"] = error.message
            return None

    @cached_property
    def gpu(self) -> Gpu | None:
        try:
            return find_gpu()
        except ToolchainError as error:
            self.missing["gpu"] = error.message
            return None
