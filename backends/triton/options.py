"""The Triton backend's options."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TritonOptions:
    #: template kernels to instantiate, as launches name them: ("reduce_sum<256>",)
    instantiate: tuple[str, ...] = ()
    #: block-level tree and warp-shuffle reductions as tl.sum/tl.max/tl.min (else emulated lane by lane)
    raise_reductions: bool = True

    def to_json(self) -> dict:
        return {"instantiate": list(self.instantiate), "raise_reductions": self.raise_reductions}
