"""Profiles of GPU workloads as SQLite databases, and the queries porter asks of them.

``porter profile -- CMD ...`` runs a workload under a profiler (:mod:`porter.profile.runner`):
a Python workload under ``torch.profiler`` (CUPTI underneath), a binary under Nsight Systems
when ``nsys`` is on the PATH, else under Nsight Compute (``ncu``). What the GPU did lands in one
SQLite file (:mod:`porter.profile.store`): kernels, memory copies and sets, API calls and the
run's metadata; a Chrome/Perfetto JSON trace is written beside it. ``porter trace`` queries it
(:mod:`porter.profile.views`: ``top``, ``roofline``, ``plan``; ``query`` for any SQL).
"""
