"""Running the HIP rules so that a rule raising on one kernel costs that kernel alone.

The rules edit the whole file's text, so a kernel cannot be emitted apart from the others; instead
a kernel is left out of the rewrite by blanking it (:func:`.kernels.blanked`: same offsets, no
nodes), which leaves its text in the output exactly as in the source, with no edit. When the
rules raise on the file:

1. they run again with every kernel blanked; if they still raise, the bug is not in a kernel and
   the exception goes on (a file-wide internal error: ``porter translate`` reports it as such, and
   ``porter port`` fails that file alone with P0014);
2. otherwise each kernel is put back in turn, in source order, keeping those that rules ran on
   without raising: a kernel that makes them raise is a culprit and stays blanked, with P0060.

That is one run for a file that ports, and two runs more than it has kernels for one that does not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.kernels import KernelSite, blanked, kernel_sites
from porter.backends.hip.options import HipOptions
from porter.diagnostics import Diagnostic
from porter.edits import EditSet
from porter.frontends.treesitter import CudaSyntax
from porter.internal_errors import is_fatal, kernel_internal_error
from porter.source import SourceFile

Rule = Callable[[RewriteContext], None]


def rewrite_isolated(source: SourceFile, syntax: CudaSyntax, options: HipOptions,
                     rules: Sequence[Rule]) -> tuple[RewriteContext, str, list[Diagnostic]]:
    """(the context the rules filled, the rewritten text, a P0060 per kernel left out)."""
    try:
        return (*_rewrite(source, syntax, options, rules), [])
    except Exception as error:  # noqa: BLE001 - find the kernels it comes from, below
        if is_fatal(error):
            raise
        first = error
    sites = kernel_sites(syntax)
    outcome = _attempt(source, syntax, options, rules, sites)
    if isinstance(outcome, BaseException):
        raise first  # not any kernel's: file-wide
    good = outcome
    culprits: dict[KernelSite, BaseException] = {}
    for index, site in enumerate(sites):
        outcome = _attempt(source, syntax, options, rules, [*culprits, *sites[index + 1:]])
        if isinstance(outcome, BaseException):
            culprits[site] = outcome
        else:
            good = outcome
    found = [kernel_internal_error(site.name, site.head(source), "rewriting it for HIP", error,
                                   "its text is left as in the source, not rewritten")
             for site, error in culprits.items()]
    return (*good, found)


def _attempt(source: SourceFile, syntax: CudaSyntax, options: HipOptions, rules: Sequence[Rule],
             left_out: list[KernelSite]) -> tuple[RewriteContext, str] | BaseException:
    view = CudaSyntax.parse(blanked(source.data, left_out)) if left_out else syntax
    try:
        return _rewrite(source, view, options, rules)
    except Exception as error:  # noqa: BLE001 - the caller decides whose it is
        if is_fatal(error):
            raise
        return error


def _rewrite(source: SourceFile, syntax: CudaSyntax, options: HipOptions,
             rules: Sequence[Rule]) -> tuple[RewriteContext, str]:
    ctx = RewriteContext(source, syntax, options, EditSet(source.data), syntax.regions())
    for rule in rules:
        rule(ctx)
    return ctx, ctx.edits.apply()
