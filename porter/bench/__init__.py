"""``porter bench``: time golden cases on an NVIDIA GPU, for the original CUDA and for porter's ports.

* :mod:`~porter.bench.timers`: the table of timers (:data:`~porter.bench.timers.TIMERS`), the native
  (nvcc) timers for ``cuda`` and ``hip``; :mod:`~porter.bench.python_timers`: ``triton``;
  :mod:`~porter.bench.pallas_timer`: ``pallas`` (GPU flavour; host clock, see there);
* :mod:`~porter.bench.cuda_source`: the generated timing launcher and the GPU probe;
* :mod:`~porter.bench.model`: bytes moved and flops of a case, roofline;
* :mod:`~porter.bench.stats`: median and spread;
* :mod:`~porter.bench.run`: the run, as a JSON-ready document; :mod:`~porter.bench.report`: table, JSON, chart.

The timing protocol, for every backend: each case runs on several input sets (set 0 the golden's
inputs), each restored from a pristine device copy before every run; a buffer of 4x the L2 size is
written before every run; warm-up runs, a device-wide synchronization, then >= 100 runs each timed
by a pair of device events around the whole launch sequence (Pallas: the host clock around a
synchronized call, jax having no device events); median, p10/p90 and IQR are reported.
"""
