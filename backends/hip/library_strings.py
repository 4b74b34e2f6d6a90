"""Library error-string functions the target HIP lacks: porter's helper instead.

hipSPARSE before ROCm 6.0 has no ``hipsparseGetErrorString``; programs call
``cusparseGetErrorString(status)`` in their error checks. The call becomes
``__porter_hipsparse_status_string(status)`` (helper ``hipsparse_status_string`` of
device_intrinsics.toml: the status's name, from ROCm 5.2's hipsparse.h).
"""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext

RULE = "library-string"
#: CUDA name -> (porter's helper function, helper key, first HIP version that has its own)
_FUNCTIONS = {"cusparseGetErrorString": ("__porter_hipsparse_status_string", "hipsparse_status_string", "6.0")}


def rewrite_library_strings(ctx: RewriteContext) -> None:
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            function = call.child_by_field_name("function")
            if function is None or function.type != "identifier" or region.text(function) not in _FUNCTIONS:
                continue
            helper, key, until = _FUNCTIONS[region.text(function)]
            if not ctx.options.at_least(until) and ctx.replace_node(region, function, helper, RULE):
                ctx.helpers_needed.add(key)
