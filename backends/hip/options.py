"""The HIP backend's options, validated, with what follows from them (wave size, version)."""

from __future__ import annotations

from dataclasses import dataclass, field

from porter.backends.hip.tables import parse_version, porter_table

LAUNCH_SYNTAXES = ("chevron", "ggl")
#: ``hip_version="auto"``: the version of the hipcc found on this machine (MAJOR.MINOR).
AUTO_VERSION = "auto"


@dataclass(frozen=True)
class HipOptions:
    hip_version: str = "6.3"
    offload_arch: str = "gfx90a"
    launch_syntax: str = "chevron"
    version: tuple[int, int] = field(init=False, repr=False, compare=False)
    wave_size: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.hip_version == AUTO_VERSION:
            object.__setattr__(self, "hip_version", _installed_version())
        object.__setattr__(self, "version", parse_version(self.hip_version))
        arches = porter_table()["arch"]
        if self.offload_arch not in arches:
            raise ValueError(f"unknown --offload-arch {self.offload_arch!r}; porter knows: "
                             f"{', '.join(sorted(arches))}")
        object.__setattr__(self, "wave_size", arches[self.offload_arch])
        if self.launch_syntax not in LAUNCH_SYNTAXES:
            raise ValueError(f"--launch-syntax must be one of {', '.join(LAUNCH_SYNTAXES)}")

    def at_least(self, version: str) -> bool:
        return self.version >= parse_version(version)

    def to_json(self) -> dict:
        return {"hip_version": self.hip_version, "offload_arch": self.offload_arch,
                "launch_syntax": self.launch_syntax, "wave_size": self.wave_size}


def _installed_version() -> str:
    from porter.backends.hip.compile_gate import installed_hip_version

    found = installed_hip_version()
    if found is None:
        raise ValueError("--hip-version auto: no hipcc answering `hipcc --version` was found here; "
                         "name the HIP version to target, e.g. --hip-version 6.3")
    return found
