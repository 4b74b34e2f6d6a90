"""Warp-size assumptions: CUDA warps have 32 lanes; AMD wavefronts have 64 (CDNA) or 32 (RDNA).

Code that hard-codes 32 lanes computes something else on a 64-lane wavefront, silently. This rule
finds those assumptions in device code and either rewrites them so that they hold for the
target's wavefront, or reports them on their line:

rewritten for every target (the result is right for 32 and 64 lanes)
  * lane and warp arithmetic on thread indices: `t % 32`, `t & 31`, `t / 32`, `t >> 5`,
    `(blockDim.x + 31) / 32`, `lane == 31`  ->  `warpSize` forms;
  * shuffle loops over lane offsets: `for (o = 16; o > 0; o /= 2)`, `for (o = 1; o < 32; o *= 2)`;
  * `if (t < 32)` guarding warp-level work (a shuffle or ballot inside);
  * `__popc`/`__ffs`/`__clz`/`__brev` of a ballot -> their 64-bit forms (HIP's ballots are
    64-bit on every AMD GPU).
rewritten for 64-lane targets (they need the target's wave size as a constant or a wider type)
  * ballot results kept in 32-bit variables -> `unsigned long long`;
  * `1u << lane` -> `1ull << lane`;
  * per-lane shared arrays `__shared__ T s[32]` indexed by a lane -> sized by the wave;
  * warp-size constants (`#define WARP_SIZE 32`, `constexpr int kWarpSize = 32`).
kept at 32 lanes on 64-lane targets (P0263, a note; see groups.py): device code of kernels launched
with blocks that do not fill 64-lane wavefronts (32 threads in x, rows of 32 threads,
`__launch_bounds__` under 64, `assert(blockDim.x == 32)`, or the launches option; see
launches.py) whose warp-level code is only shuffles: shuffles get a width of 32, `warpSize` is 32;
left alone and reported on 64-lane targets (P0261, P0262): such code with ballots, votes or masks:
its 32-lane groups are not wavefronts there, so neither the 32-lane code nor a 64-lane rewrite of
it is right;
warned on 64-lane targets (P0264): warp-level code of kernels whose launches porter does not see
(the 64-lane rewrite assumes blocks of a multiple of 64 threads in x);
reported (P0210: an error on 64-lane targets, a note on 32-lane ones)
  * shuffles with a literal lane offset of 16 or source lane 31 outside a rewritten loop
    (unrolled reductions need one more step on 64 lanes);
  * a ballot compared with 0xffffffff ("all lanes voted").
"""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.warp_size.facts import collect_facts, device_scopes
from porter.backends.hip.warp_size.groups import port_32_lane_groups, report_unknown_launch
from porter.backends.hip.warp_size.launches import report_narrow_blocks
from porter.backends.hip.warp_size.generic import (
    rewrite_arithmetic,
    rewrite_bit_builtins,
    rewrite_first_warp_guards,
    rewrite_loops,
)
from porter.backends.hip.warp_size.reports import (
    report_ballot_compares,
    report_fixed_lane_shuffles,
    report_half_warps,
    report_host_warp_counts,
    report_warp_synchronous_tails,
)
from porter.backends.hip.warp_size.wave64 import (
    rewrite_ballot_types,
    rewrite_lane_arrays,
    rewrite_lane_shifts,
    rewrite_mask_constants,
    rewrite_warp_count_array_sizes,
    rewrite_warp_size_constants,
)


def rewrite_warp_size(ctx: RewriteContext) -> None:
    for region in ctx.regions:
        for scope in device_scopes(region):
            if ctx.wave64 and region.macro is None:
                if port_32_lane_groups(ctx, region, scope):
                    continue  # 32-thread groups, shuffles only: kept at 32 lanes with shuffle widths of 32
                if report_narrow_blocks(ctx, region, scope):
                    continue  # launched with blocks that do not fill 64-lane wavefronts: left as written
                report_unknown_launch(ctx, region, scope)
            facts = collect_facts(region, scope)
            rewrite_loops(ctx, region, scope, facts)
            rewrite_arithmetic(ctx, region, scope, facts)
            rewrite_first_warp_guards(ctx, region, scope, facts)
            rewrite_ballot_types(ctx, region, scope, facts)
            rewrite_bit_builtins(ctx, region, scope, facts)
            rewrite_lane_shifts(ctx, region, scope, facts)
            rewrite_lane_arrays(ctx, region, scope, facts)
            rewrite_warp_count_array_sizes(ctx, region, scope)
            report_fixed_lane_shuffles(ctx, region, scope, facts)
            report_half_warps(ctx, region, scope, facts)
            report_warp_synchronous_tails(ctx, region, scope, facts)
            report_ballot_compares(ctx, region, scope, facts)
        rewrite_warp_size_constants(ctx, region)
        rewrite_mask_constants(ctx, region)
        report_host_warp_counts(ctx, region)


# --- where device code is ---------------------------------------------------------------------
