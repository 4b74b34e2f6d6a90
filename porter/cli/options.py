"""Command-line options shared by the commands that translate (translate, port)."""

from __future__ import annotations

import click

from porter.backends.base import available_backends


def target_option(function):
    return click.option("--to", "target", required=True, type=click.Choice(available_backends()),
                        help="Target backend.")(function)


def hip_options(function):
    """The HIP backend's options; ignored by other targets."""
    function = click.option("--launch-syntax", type=click.Choice(["chevron", "ggl"]), default="chevron",
                            show_default=True,
                            help="HIP: keep kernel<<<...>>>(...) launches, or emit hipLaunchKernelGGL(...).")(function)
    function = click.option("--offload-arch", default="gfx90a", show_default=True, metavar="GFX",
                            help="HIP: the AMD GPU to target; sets the wavefront size "
                                 "(gfx90a, gfx942: 64 lanes; gfx1030, gfx1100: 32 lanes).")(function)
    function = click.option("--hip-version", default="6.3", show_default=True, metavar="V",
                            help="HIP: the HIP/ROCm version to target, e.g. 5.2 or 6.3 "
                                 "(before 6.2 there are no *_sync warp built-ins), or 'auto': "
                                 "the version of the hipcc found here (see porter doctor).")(function)
    return function


def tile_options(function):
    """Options of the tile backends (Triton, Pallas, NKI); ignored by HIP."""
    function = click.option("--instantiate", multiple=True, metavar="KERNEL<ARGS>",
                            help="Tile backends: a template kernel to instantiate, as a launch names it, "
                                 "e.g. 'reduce_sum<256>' (repeatable).")(function)
    function = click.option("--flavor", type=click.Choice(["gpu", "tpu"]), default="gpu", show_default=True,
                            help="Pallas: the GPU (Triton lowering) or TPU (Mosaic) flavour.")(function)
    return function


def backend_options(target: str, **values) -> dict:
    """The command-line values the target's options take (each backend declares its own fields)."""
    from porter.backends.base import get_backend

    fields = get_backend(target).options_type.__dataclass_fields__
    chosen = {name: value for name, value in values.items() if name in fields and value is not None}
    if "instantiate" in chosen:
        chosen["instantiate"] = tuple(chosen["instantiate"])
    return chosen
