"""Which executor runs a target's candidates: ``executor_for(target, unconfined=..., **options)``.

Every executor has the interface of :class:`porter.llm.executor.Executor` (``run(module_source,
trials, time_it=...) -> RunResult``), runs each candidate in porter's sandbox unless built with
``unconfined=True`` (and refuses to start without one otherwise), and takes the same trials:

* triton -- :class:`porter.llm.executor.TritonExecutor` (the Triton CPU interpreter, or a CUDA GPU);
* pallas -- :class:`porter.llm.pallas_executor.PallasExecutor` (the Pallas interpreter, or a GPU jax sees);
* nki    -- :class:`porter.llm.nki_executor.NkiExecutor` (porter's executable NKI model);
* hip    -- :class:`porter.llm.hip_executor.HipExecutor` (the AMD compile gate; runs only on an
  NVIDIA GPU, through porter's HIP-to-CUDA headers: elsewhere its runs come back "unavailable").

``spec`` (the golden kernel spec) goes only to executors that need it (HIP: its launcher).
"""

from __future__ import annotations

import importlib

from porter.llm.executor import Executor

#: target -> (module, class)
EXECUTORS = {
    "triton": ("porter.llm.executor", "TritonExecutor"),
    "pallas": ("porter.llm.pallas_executor", "PallasExecutor"),
    "nki": ("porter.llm.nki_executor", "NkiExecutor"),
    "hip": ("porter.llm.hip_executor", "HipExecutor"),
}


def executor_for(target: str, *, unconfined: bool = False, **options) -> Executor:
    """A new executor for ``target``'s candidates (close it when done).

    Raises ValueError for an unknown target and :class:`porter.llm.sandbox.SandboxUnavailable` when
    no sandbox can be made and ``unconfined`` is False."""
    if target not in EXECUTORS:
        raise ValueError(f"no executor for {target!r} candidates (known: {', '.join(EXECUTORS)})")
    module, name = EXECUTORS[target]
    factory = getattr(importlib.import_module(module), name)
    spec = options.pop("spec", None)
    if getattr(factory, "uses_spec", False):
        options["spec"] = spec
    return factory(unconfined=unconfined, **options)
