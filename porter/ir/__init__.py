"""The kernel IR: a module of kernels and device functions with structured, typed bodies.

* :mod:`porter.ir.types`: scalar, vector, pointer, array, named and template types.
* :mod:`porter.ir.nodes`: expressions and statements (small frozen nodes carrying spans).
* :mod:`porter.ir.module`: functions, parameters, shared memory, globals, the module.
* :mod:`porter.ir.build`: typed constructors (the frontends' and verifier's type rules).
* :mod:`porter.ir.printer`, :mod:`porter.ir.verifier`, :mod:`porter.ir.walk`.

The frontends that build it live in :mod:`porter.frontends` (``build_ir``).
"""

from porter.ir import nodes, types
from porter.ir.module import (
                              DEVICE,
                              HOST_DEVICE,
                              KERNEL,
                              Function,
                              GlobalVar,
                              Instantiation,
                              Launch,
                              LaunchBounds,
                              Module,
                              Param,
                              SharedVar,
                              TemplateParam,
)
from porter.ir.printer import print_expr, print_function, print_module, print_stmt
from porter.ir.walk import parents, rewrite, walk, walk_exprs, walk_stmts

__all__ = ["DEVICE", "HOST_DEVICE", "KERNEL", "Function", "GlobalVar", "Instantiation", "Launch",
           "LaunchBounds", "Module", "Param", "SharedVar", "TemplateParam", "nodes", "parents",
           "print_expr", "print_function", "print_module", "print_stmt", "rewrite", "types", "walk",
           "walk_exprs", "walk_stmts"]
