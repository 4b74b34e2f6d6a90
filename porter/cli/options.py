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
                                 "(before 6.2 there are no *_sync warp built-ins).")(function)
    return function


def backend_options(target: str, hip_version: str, offload_arch: str, launch_syntax: str) -> dict:
    if target == "hip":
        return {"hip_version": hip_version, "offload_arch": offload_arch, "launch_syntax": launch_syntax}
    return {}
