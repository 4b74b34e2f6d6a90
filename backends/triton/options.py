"""The Triton backend's options."""

from __future__ import annotations

from dataclasses import dataclass


#: TritonOptions.warps values
WARP_POLICIES = ("auto", "packed", "cuda")
#: TritonOptions.fused_sums values
FUSED_SUMS = ("auto", "none", "in-order", "partial")


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
    #: strided lane loops (``for (c = threadIdx.x; c < n; c += 256)``) as uniform counted loops
    #: that recompute ``c`` from the iteration number (porter.passes.tile.strided)
    strided: bool = True
    #: counted uniform loops whose iterations are independent run ``unroll`` iterations side by side,
    #: as one [copies, lanes] tile (porter.passes.tile.fuse); off: copies one after another
    fuse: bool = True
    #: loops that add up floating-point values: "none" (not fused: kept as copies one after
    #: another, each lane adding in iteration order), "in-order" (fused, each lane still adding its
    #: values in iteration order, exactly as the CUDA thread does: a layout exchange per
    #: iteration), "partial" (fused, a partial sum per copy added up after the loop:
    #: reassociated, so results differ from CUDA's in the last bits) or "auto" (partial where
    #: every term is provably non-negative, such as exp(x) or x * x: with no cancellation, any
    #: order of the additions is within the same relative error bound of the exact sum as the
    #: CUDA thread's order; "none" elsewhere)
    fused_sums: str = "auto"
    #: shared arrays written once and read back permuted (a transpose's tile) held in registers,
    #: where the launch's block shape allows (porter.passes.tile.registers); off: scratch memory
    registers: bool = True
    #: runs of loads or stores of consecutive elements (float4 and float2 accesses) as one wide
    #: access (porter.passes.tile.widen)
    widen: bool = True
    #: warps per program: "packed" (at most 4: two or more lanes per thread in larger blocks),
    #: "cuda" (one per CUDA warp: the CUDA block's residency and cache footprint) or "auto"
    #: (packed, unless the launch's packed programs would not fill the GPU: then cuda)
    warps: str = "auto"

    #: let Triton specialize integer arguments (divisible by 16, equal to 1) as it does for
    #: hand-written kernels; off: one compiled kernel for every value
    specialize: bool = True

    def __post_init__(self):
        if self.warps not in WARP_POLICIES:
            raise ValueError(f"warps must be one of {', '.join(WARP_POLICIES)}, not {self.warps!r}")
        if self.fused_sums not in FUSED_SUMS:
            raise ValueError(f"fused_sums must be one of {', '.join(FUSED_SUMS)}, not {self.fused_sums!r}")
        if self.unroll < 1:
            raise ValueError(f"unroll must be at least 1, not {self.unroll}")

    def to_json(self) -> dict:
        return {"instantiate": list(self.instantiate), "raise_reductions": self.raise_reductions,
                "unroll": self.unroll, "prefetch": self.prefetch, "strided": self.strided, "fuse": self.fuse, "fused_sums": self.fused_sums, "widen": self.widen,
                "warps": self.warps, "specialize": self.specialize}
