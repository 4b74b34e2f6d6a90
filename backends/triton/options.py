"""The Triton backend's options."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TritonOptions:
    #: template kernels to instantiate, as launches name them: ("reduce_sum<256>",)
    instantiate: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"instantiate": list(self.instantiate)}
