"""SIMT-to-tile lowering: CUDA kernels as block programs (see :mod:`.program`).

Passes, each a named frozen dataclass: ``inline-device-calls`` (:mod:`.inline`),
``classify-lanes`` (:mod:`.vectorize`), ``lower-to-block-program`` (:mod:`.lower`).
:func:`lower_module` lowers every kernel of a module and returns programs and diagnostics; a
kernel whose lowering raises (porter's bug) gets P0060 and no program, the others are lowered.
"""

from __future__ import annotations

from porter import diagnostics
from porter.internal_errors import is_fatal, kernel_internal_error
from porter.ir.instantiate import InstantiationError, instantiate
from porter.ir.module import Module
from porter.passes.tile.errors import Refusal
from porter.passes.tile.lower import LowerToBlockProgram
from porter.passes.tile.program import BlockProgram, render

__all__ = ["BlockProgram", "Refusal", "lower_module", "render"]


def lower_module(module: Module, source_text: str, instances: tuple[str, ...] = (),
                 raise_reductions: bool = False):
    """(programs, diagnostics): one block program per kernel (template kernels per instance).

    ``raise_reductions``: recognised tree and warp-shuffle reductions become ``reduce`` values
    (:mod:`.reductions`); off by default, for emitters that have no ``reduce`` yet.
    """
    programs: list[BlockProgram] = []
    found = []
    lowering = LowerToBlockProgram(source_text, raise_reductions)
    for fn in module.kernels:
        if fn.body is None or fn.template_args:
            continue
        targets = [fn]
        if fn.is_template:
            wanted = [i for i in instances if i.split("<")[0] == fn.name and "<" in i]
            wanted += [f.full_name for f in module.kernels if f.name == fn.name and f.template_args]
            if not wanted:
                found.append(diagnostics.make("P0406", f"template kernel {fn.name} has no instance to port "
                                              "(pass instantiate=('name<args>',))", fn.span))
                continue
            targets = []
            for name in dict.fromkeys(wanted):
                args = tuple(a.strip() for a in name[name.index("<") + 1:-1].split(","))
                try:
                    targets.append(instantiate(fn, args))
                except InstantiationError as error:
                    found.append(diagnostics.make("P0406", f"cannot instantiate {name}: {error}", fn.span))
                except Exception as error:  # noqa: BLE001 - porter's bug in one kernel drops that kernel alone
                    if is_fatal(error):
                        raise
                    found.append(kernel_internal_error(name, fn.span, "instantiating it", error))
        for target in targets:
            try:
                programs.append(lowering.apply(target, module))
            except Refusal as refusal:
                found.append(diagnostics.make(refusal.diag_id, f"{target.full_name}: cannot lower to a block "
                                              f"program: {refusal.message}", refusal.span or target.span))
            except Exception as error:  # noqa: BLE001 - porter's bug in one kernel drops that kernel alone
                if is_fatal(error):
                    raise
                found.append(kernel_internal_error(target.full_name, target.span, "lowering it to a block program",
                                                   error))
    return programs, found
