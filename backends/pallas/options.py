"""The Pallas backend's options."""

from __future__ import annotations

from dataclasses import dataclass

FLAVORS = ("gpu", "tpu")


@dataclass(frozen=True)
class PallasOptions:
    #: "gpu": the Triton lowering (chosen explicitly with pallas.triton.CompilerParams), one Pallas
    #: program per CUDA block over whole-array refs, masked gathers/scatters and atomics.
    #: "tpu": Mosaic TPU; independent-thread kernels re-tiled into (8, 128) blocks through
    #: BlockSpecs, the others one program per CUDA block over whole arrays in VMEM (shared memory as
    #: VMEM scratch, gathers in VMEM); what a TPU cannot do (64-bit arithmetic, atomicXor...)
    #: becomes a diagnostic.
    flavor: str = "gpu"
    #: template kernels to instantiate, as launches name them: ("reduce_sum<256>",)
    instantiate: tuple[str, ...] = ()

    def __post_init__(self):
        if self.flavor not in FLAVORS:
            raise ValueError(f"pallas flavor must be one of {', '.join(FLAVORS)}, not {self.flavor!r}")

    def to_json(self) -> dict:
        return {"flavor": self.flavor, "instantiate": list(self.instantiate)}
