"""The CPU reference executor: expected outputs of CUDA kernels on machines without a GPU.

:func:`run_reference` compiles a CUDA kernel file with ``g++`` against a shim header of CUDA's
built-ins (``cuda_shim.h``, package data) and runs one case of its golden spec on the CPU, through
porter's own golden launcher, inputs and plan formats (:mod:`.executor` says how).

What it is for: expected outputs where no recorded golden exists and no deterministic port can be
trusted, i.e. the trials of a kernel the passes refuse that ``porter optimize`` asks a model to
write (:mod:`porter.llm.fill`: fresh seeds, held-out shapes, special values beyond the recorded
goldens), and the differential fuzzing of porter's backends (a mutated kernel has no golden).

Known differences from a GPU (inside porter's tolerances for every golden kernel, but not bitwise):

* libm's ``expf``, ``logf``, ``tanhf``... instead of CUDA's device math (both within 2 ulp);
* no FMA contraction: ``a*b+c`` is rounded twice, where nvcc usually fuses it;
* two interleavings: the threads of a block run in order between barriers and blocks one after
  another, once first to last and once last to first (with other bytes around each buffer); a
  kernel whose outputs differ between the two (a data race, or a read outside a buffer) has no one
  answer and is a :class:`ReferenceFault`, and a race the two orders do not expose goes unseen;
* float-to-int casts of NaN or out-of-range values follow x86 (INT_MIN), not the GPU (saturation).

It is not a GPU substitute for goldens: goldens are recorded on a real GPU with nvcc and stay the
only ground truth porter checks ports against; nothing here records or replaces one.

Outcomes other than outputs are exceptions, all :class:`ReferenceError`: :class:`ReferenceRejected`
(g++ rejects the source), :class:`ReferenceUnsupported` (something the shim cannot run, or no
compiler), :class:`ReferenceTimeout`, :class:`ReferenceFault` (out-of-bounds access, deadlock,
crash).
"""

from __future__ import annotations

from porter.reference.executor import (
    SHIM,
    ReferenceError,
    ReferenceFault,
    ReferenceRejected,
    ReferenceTimeout,
    ReferenceUnsupported,
    build,
    rewrite_extern_shared,
    run_reference,
)

__all__ = ["SHIM", "ReferenceError", "ReferenceFault", "ReferenceRejected", "ReferenceTimeout",
           "ReferenceUnsupported", "build", "rewrite_extern_shared", "run_reference"]
