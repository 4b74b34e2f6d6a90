"""The Triton backend's options."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TritonOptions:
    #: template kernels to instantiate, as launches name them: ("reduce_sum<256>",)
    instantiate: tuple[str, ...] = ()
    #: block-level tree and warp-shuffle reductions as tl.sum/tl.max/tl.min (else emulated lane by lane)
    raise_reductions: bool = True
    #: copies of an innermost counted masked loop's body per iteration (1: none); the copies past a
    #: lane's trip count are masked off
    unroll: int = 4
    #: issue every copy's loads before the copies run (porter.passes.tile.prefetch)
    prefetch: bool = True

    def __post_init__(self):
        if self.unroll < 1:
            raise ValueError(f"unroll must be at least 1, not {self.unroll}")

    def to_json(self) -> dict:
        return {"instantiate": list(self.instantiate), "raise_reductions": self.raise_reductions,
                "unroll": self.unroll, "prefetch": self.prefetch}
