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
    #: Launch configurations the file does not show: ``("kernel=32,4", ...)`` or ``{"kernel": (32, 4)}``;
    #: normalised to ``(("kernel", (32, 4, 1)), ...)``. The wavefront rules use them (warp_size/launches.py).
    launches: tuple = ()
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
        object.__setattr__(self, "launches", parse_launches(self.launches))

    def at_least(self, version: str) -> bool:
        return self.version >= parse_version(version)

    def to_json(self) -> dict:
        return {"hip_version": self.hip_version, "offload_arch": self.offload_arch,
                "launch_syntax": self.launch_syntax, "wave_size": self.wave_size} | \
            ({"launches": [f"{kernel}={','.join(map(str, block))}" for kernel, block in self.launches]}
             if self.launches else {})


def parse_launches(launches) -> tuple[tuple[str, tuple[int, int, int]], ...]:
    """``KERNEL=BX[,BY,BZ]`` strings, (kernel, block) pairs or a {kernel: block} mapping -> pairs
    of a kernel name and its block's three sizes."""
    pairs = launches.items() if isinstance(launches, dict) else launches
    if isinstance(pairs, str):
        pairs = [pairs]
    found = []
    for item in pairs:
        if isinstance(item, str):
            kernel, _, block = item.partition("=")
            sizes = block.split(",")
        else:
            kernel, block = item
            sizes = [block] if isinstance(block, int) else list(block)
        try:
            numbers = [int(str(size).strip()) for size in sizes]
        except ValueError:
            numbers = []
        kernel = kernel.split("<", 1)[0].strip()
        if not kernel or not 1 <= len(numbers) <= 3 or min(numbers) < 1:
            raise ValueError(f"--launch {item!r}: write KERNEL=BX[,BY,BZ], e.g. argmax_rows=32,4 "
                             "(the kernel's name and its block's size in threads)")
        found.append((kernel, tuple(numbers + [1] * (3 - len(numbers)))))
    return tuple(found)


def _installed_version() -> str:
    from porter.backends.hip.compile_gate import installed_hip_version

    found = installed_hip_version()
    if found is None:
        raise ValueError("--hip-version auto: no hipcc answering `hipcc --version` was found here; "
                         "name the HIP version to target, e.g. --hip-version 6.3")
    return found
