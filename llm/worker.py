"""The subprocess side of the executor: run one candidate module on the harness's trials.

Harness code only; candidate code is imported here, in a process of its own. This file must stay
standalone (the standard library, numpy, torch and triton; nothing of porter): in the sandbox it
is the only file of porter mounted (at ``/opt/porter-worker/worker.py``, run as a script on
``/job``), and porter itself cannot be imported there. Ways in:

* ``python worker.py /job`` inside the sandbox (:mod:`porter.llm.sandbox`): run one job and exit;
* ``python -m porter.llm.worker JOB_DIR`` (unconfined): run one job and exit;
* ``python -m porter.llm.worker --serve`` (unconfined only): a fork server. It imports torch and Triton once (never
  any candidate code), then for each job directory read from stdin forks a fresh child that runs
  the job and exits, so every candidate still has a process of its own, without paying the
  imports each time. The server kills a child that runs past the job's time limit.

A job directory holds ``candidate.py``, ``job.json`` (trials: launches, scalars, which buffers,
the order of the interpreter's programs), ``inputs.npz`` (every buffer's initial contents per
trial, poison included: the harness owns inputs and poison) and ``key`` (a per-job secret the
worker reads and deletes before the candidate is imported; it signs the results).

The candidate shares this process, so everything the worker measures with is bound before the
candidate is imported (:func:`_trusted`: functions, the clock, the result writer, Triton's grid
loop, all captured as closure variables, never looked up later through a module the candidate
could patch), and the run reports what the candidate did on top of its outputs:

* ``tampering``: objects the worker relies on (``torch.Tensor.copy_``, ``time.perf_counter``,
  ``numpy.savez``, builtins, the worker's own globals, ...) found rebound after the run, the
  host-compute guard removed during a launch, or outputs that differ between the checked run and
  a fresh run of the first trial after every other run (timing included; on a GPU every timed
  repetition is compared too);
* ``host_compute``: torch operations the launcher ran while it was called (a dispatch mode sees
  every aten op whatever its Python spelling; a function mode sees the ways out of torch such as
  ``.numpy()``), except allocation, views and Triton's own launch machinery (:data:`ALLOWED_OPS`);
* ``guard_violations``: every buffer is a view into a larger allocation whose zones before and
  after it hold a sentinel pattern drawn from a per-job secret; a zone changed by a trial is a
  write out of bounds.

Under ``TRITON_INTERPRET=1`` the interpreter runs every launch's programs in the trial's
``order`` ("forward", "reverse" or "shuffle:SEED"), so races between programs show.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import importlib.util
import itertools
import json
import os
import random
import select
import signal
import socket
import sys
import time
import traceback
from pathlib import Path

#: aten ops (by name, overload left out) a launcher may run on tensors: allocation, views and
#: metadata. Anything else, run while the candidate's launcher is being called (Triton's own
#: launch machinery excepted), is host-side compute and reported.
ALLOWED_OPS = frozenset({
    # allocation: scratch space and outputs' companions (porter's ports allocate __shared__ scratch)
    "aten::empty", "aten::empty_strided", "aten::empty_like", "aten::new_empty", "aten::new_empty_strided",
    # constant fills: they write no value computed from the inputs
    "aten::zeros", "aten::zeros_like", "aten::ones", "aten::ones_like", "aten::full", "aten::full_like",
    "aten::new_zeros", "aten::new_ones", "aten::new_full", "aten::fill_", "aten::zero_",
    # views: a tensor over the same memory (reshape and flatten decompose to view or to a copy,
    # and the copy is then reported as clone/_unsafe_view of a copy)
    "aten::view", "aten::_reshape_alias", "aten::as_strided", "aten::slice", "aten::select", "aten::t",
    "aten::transpose", "aten::permute", "aten::unsqueeze", "aten::squeeze", "aten::expand", "aten::alias",
    "aten::detach", "aten::unbind", "aten::split", "aten::split_with_sizes", "aten::chunk", "aten::narrow",
    "aten::diagonal", "aten::unfold", "aten::view_as_real", "aten::view_as_complex", "aten::_unsafe_view",
    # metadata: sizes and strides of symbolic shapes
    "aten::sym_size", "aten::sym_stride", "aten::sym_numel", "aten::sym_storage_offset", "aten::is_same_size",
    # constant tensors from Python values (torch.tensor([...])): values from Python, not from a tensor
    "aten::lift_fresh",
})

#: torch functions (by __name__) through which tensor data leaves torch, seen by a function mode
#: (the dispatch mode never sees them: they are not aten ops).
LEAVING_TORCH = frozenset({"numpy", "__array__", "tolist", "untyped_storage", "storage", "_typed_storage",
                           "__dlpack__", "__set__", "__reduce_ex__", "__getstate__", "item"})

#: The guard zone around every buffer: at least this many bytes, and after it at least as many elements as
#: the buffer holds (a tile run past the last row of a 2-D buffer writes up to a block's rows: a tenth of
#: the buffer does not hold them, and a write past the zone corrupts the heap instead of being reported).
GUARD_BYTES = 4096
#: At most this many host-compute findings are kept per run.
MAX_FINDINGS = 40


def _no_network(*args, **kwargs):
    raise OSError("porter: candidates run without network access")


def _seal() -> None:
    """Best effort on top of the network namespace: no sockets from Python either."""
    socket.socket.connect = _no_network  # type: ignore[method-assign]
    socket.create_connection = _no_network  # type: ignore[assignment]


def run_job(folder: Path) -> dict:
    """Run the job; returns the result (``result.npz`` written, signed by :func:`_finish`)."""
    trusted = _trusted(folder)
    return trusted["run"]()


def _trusted(folder: Path) -> dict:  # noqa: C901 -- one closure on purpose: nothing in it is looked up later
    """Bind everything the run needs, then return the closures that run it (the candidate is
    imported only inside ``run``, after every reference below is a local of this frame)."""
    import numpy as np
    import torch
    from torch.overrides import TorchFunctionMode
    from torch.utils._python_dispatch import TorchDispatchMode

    interpret = os.environ.get("TRITON_INTERPRET") == "1"
    job = json.loads((folder / "job.json").read_text())
    device = "cuda" if job.get("device") == "cuda" else "cpu"
    triton_hooks = _triton_hooks(interpret)

    # -- bound references: functions and objects used after the candidate is imported ---------
    clock = time.perf_counter
    b_len, b_range, b_sorted, b_isinstance, b_tuple, b_list, b_dict = len, range, sorted, isinstance, tuple, list, dict
    b_enumerate, b_zip, b_int, b_max, b_set, b_getattr = enumerate, zip, int, max, set, getattr
    dumps, savez, np_load, np_array_equal, np_allclose = json.dumps, np.savez, np.load, np.array_equal, np.allclose
    np_uint8, np_count_nonzero = np.uint8, np.count_nonzero
    np_ndarray_copy, np_ndarray_view, np_ndarray_reshape = np.ndarray.copy, np.ndarray.view, np.ndarray.reshape
    np_ndarray_tobytes, np_default_rng = np.ndarray.tobytes, np.random.default_rng
    Tensor = torch.Tensor
    t_copy_, t_view, t_detach, t_cpu, t_numpy = Tensor.copy_, Tensor.view, Tensor.detach, Tensor.cpu, Tensor.numpy
    t_getitem, t_element_size, t_numel, t_reshape = Tensor.__getitem__, Tensor.element_size, Tensor.numel, Tensor.reshape
    t_contiguous, t_to, torch_bool = Tensor.contiguous, Tensor.to, torch.bool
    from_numpy, torch_empty, bfloat16, int16, uint8 = torch.from_numpy, torch.empty, torch.bfloat16, torch.int16, torch.uint8
    synchronize = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    len_dispatch, dispatch_at = torch._C._len_torch_dispatch_stack, torch._C._get_dispatch_stack_at
    len_function, function_at = torch._C._len_torch_function_stack, torch._C._get_function_stack_at
    pop_dispatch, pop_function = torch._C._pop_torch_dispatch_stack, torch._C._pop_torch_function_stack
    dispatch_enter, dispatch_exit = TorchDispatchMode.__enter__, TorchDispatchMode.__exit__
    function_enter, function_exit = TorchFunctionMode.__enter__, TorchFunctionMode.__exit__
    hmac_new, sha256 = hmac.new, hashlib.sha256
    os_urandom = os.urandom
    write_text, read_bytes = Path.write_text, Path.read_bytes
    describe = _describe
    result_path, npz_path = folder / "result.json", folder / "result.npz"

    # the per-job secrets: the signing key (from the executor, deleted before the candidate runs)
    # and the sentinel pattern of the guard zones (made here, never written anywhere)
    key_path = folder / "key"
    try:
        signer = hmac_new(key_path.read_bytes(), digestmod=sha256)
        key_path.unlink()
    except FileNotFoundError:
        signer = None
    sentinel_rng = np_default_rng(int.from_bytes(os_urandom(32), "little"))

    # -- state shared by the closures ----------------------------------------------------------
    state = {"paused": 0, "launch": "", "order": "forward"}
    host_compute: list[str] = []
    tampering: list[str] = []
    guard_violations: list[str] = []
    seen_findings: set = b_set()

    def note(finding: str) -> None:
        if finding not in seen_findings and b_len(host_compute) < MAX_FINDINGS:
            seen_findings.add(finding)
            host_compute.append(finding)

    class HostOps(TorchDispatchMode):
        @classmethod
        def _should_skip_dynamo(cls) -> bool:  # no torch.compile here: keep torch._dynamo unimported (seconds)
            return False

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if state["paused"] == 0:
                name = func._schema.name
                if name not in ALLOWED_OPS:
                    note(f"{func.name()} during launch of {state['launch']}")
            return func(*args, **(kwargs or {}))

    class LeavingTorch(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            if state["paused"] == 0:
                name = b_getattr(func, "__name__", "")
                if name in LEAVING_TORCH:
                    note(f"Tensor.{name}() during launch of {state['launch']}")
            return func(*args, **(kwargs or {}))

    host_ops, leaving_torch = HostOps(), LeavingTorch()
    host_ops_call, leaving_call = HostOps.__torch_dispatch__, LeavingTorch.__torch_function__
    triton_hooks["install"](state)

    # -- what the run relies on: checked for rebinding after the candidate ran -----------------
    watched = _watched(np, torch, json, time, os, sys, builtins, triton_hooks)
    watched += [(f"{HostOps.__name__}.__torch_dispatch__", lambda: HostOps.__torch_dispatch__, host_ops_call),
                (f"{LeavingTorch.__name__}.__torch_function__", lambda: LeavingTorch.__torch_function__, leaving_call)]
    module = sys.modules.get(__name__)
    module_globals = b_dict(vars(module)) if module is not None else {}

    def verify() -> None:
        for label, current, original in watched:
            try:
                same = current() is original
            except BaseException:  # noqa: BLE001 -- a deleted attribute is a rebinding too
                same = False
            if not same:
                _once(tampering, f"{label} was rebound by the candidate")
        if module is not None:
            now = vars(module)
            for name, value in module_globals.items():
                if name not in now or now[name] is not value:
                    _once(tampering, f"the worker's global {name} was rebound by the candidate")
            for name in now:
                if name not in module_globals:
                    _once(tampering, f"the candidate added {name} to the worker's globals")

    # -- buffers with guard zones ---------------------------------------------------------------
    tensors: dict = {}

    def allocate(name: str, source, shape: tuple) -> dict:
        itemsize, count = t_element_size(source), t_numel(source)
        before = -(-GUARD_BYTES // itemsize)
        after = b_max(before, count, 1)
        base = torch_empty(before + count + after, dtype=source.dtype, device=device)
        raw = t_view(base, uint8)
        return {"base": base, "raw": raw, "before": before, "count": count, "after": after, "itemsize": itemsize,
                "shape": shape, "name": name,
                "zones": [(0, before * itemsize, sentinel(source.dtype, before)),
                          ((before + count) * itemsize, (before + count + after) * itemsize,
                           sentinel(source.dtype, after))]}

    def sentinel(dtype, count: int):
        """The bytes of ``count`` secret elements. Floats are normal numbers of magnitude in
        [0.5, 2): a write computed from them (``a * x + y`` one past the end) changes them, where
        random bytes (tiny, huge, NaN) would often absorb it; booleans stay 0 or 1."""
        if dtype.is_floating_point or dtype.is_complex:
            values = sentinel_rng.uniform(0.5, 2.0, count) * sentinel_rng.choice((-1.0, 1.0), count)
            return np_ndarray_copy(t_numpy(t_view(t_contiguous(t_to(from_numpy(values), dtype)), uint8)))
        if dtype == torch_bool:
            return sentinel_rng.integers(0, 2, count, dtype=np_uint8)
        return sentinel_rng.integers(0, 256, count * t_element_size(torch_empty(0, dtype=dtype)), dtype=np_uint8)

    def bind(trial: dict, index: int) -> tuple[dict, list]:
        """Fresh contents in every buffer (same address for the same buffer and shape), zones
        re-armed; the candidate gets a new view of each buffer's own elements."""
        bound, entries = {}, []
        for name in trial["buffers"]:
            host = inputs[f"{index}/{name}"]
            wanted = trial.get("torch_dtype", {}).get(name)
            key = (name, host.shape, host.dtype.str, wanted)
            source = from_numpy(np_ndarray_copy(host))
            if wanted == "bfloat16":
                source = t_view(source, bfloat16)
            shape = b_tuple(source.shape)
            source = t_reshape(source, (-1,))
            entry = tensors.get(key)
            if entry is None:
                entry = tensors[key] = allocate(name, source, shape)
            for start, stop, pattern in entry["zones"]:
                t_copy_(t_getitem(entry["raw"], slice(start, stop)), from_numpy(pattern))
            t_copy_(elements(entry), source)
            bound[name] = t_view(elements(entry), entry["shape"])
            entries.append(entry)
        return bound, entries

    def elements(entry: dict):
        return t_getitem(entry["base"], slice(entry["before"], entry["before"] + entry["count"]))

    reported: set = b_set()

    def check_zones(trial_name: str, entries: list, again: bool = False) -> None:
        """Report every zone a trial changed (a later run of a trial already reported, only news)."""
        for entry in entries:
            for side, (start, stop, pattern) in b_zip(("past its end", "before its start"),
                                                      b_list(reversed(entry["zones"]))):
                now = t_numpy(t_cpu(t_detach(t_getitem(entry["raw"], slice(start, stop)))))
                if not np_array_equal(now, pattern) and not (again and (entry["name"], side) in reported):
                    reported.add((entry["name"], side))
                    changed = np_count_nonzero(np_ndarray_reshape(now != pattern, (-1, entry["itemsize"])).any(1))
                    _once(guard_violations, f"trial {trial_name!r}: buffer {entry['name']}: {b_int(changed)} "
                                            f"element(s) written {side}")

    def read(entry: dict, host):
        """The buffer's elements, read through the worker's own allocation (never the candidate's view)."""
        data = t_cpu(t_detach(elements(entry)))
        if data.dtype == bfloat16:
            data = t_view(data, int16)
        return np_ndarray_copy(np_ndarray_reshape(np_ndarray_view(t_numpy(data), host.dtype), host.shape))

    def read_all(entries: list, trial: dict, index: int) -> dict:
        return {name: read(entry, inputs[f"{index}/{name}"]) for entry, name in b_zip(entries, trial["buffers"])}

    # -- launching --------------------------------------------------------------------------------
    def launch_all(kernels: dict, trial: dict, bound: dict) -> None:
        state["order"] = trial.get("order", "forward")
        for launch in trial["launches"]:
            args = [bound[a] if a in bound else trial["scalars"][a] for a in launch["args"]]
            launcher = kernels[launch["kernel"]]
            state["launch"] = launch["kernel"]
            function_enter(leaving_torch)
            dispatch_enter(host_ops)
            try:
                launcher(*args, grid=b_tuple(launch["grid"]), block=b_tuple(launch["block"]),
                         shared_bytes=launch["shared_bytes"])
            finally:
                intact = (len_dispatch() > 0 and dispatch_at(len_dispatch() - 1) is host_ops
                          and len_function() > 0 and function_at(len_function() - 1) is leaving_torch)
                if intact:
                    dispatch_exit(host_ops, None, None, None)
                    function_exit(leaving_torch, None, None, None)
                else:
                    _once(tampering, f"the host-compute guard was removed during the launch of {launch['kernel']}")
                    while len_dispatch() > 0:  # nothing the candidate left on the stacks stays
                        pop_dispatch(None)
                    while len_function() > 0:
                        pop_function()
        synchronize()

    def run_trial(kernels: dict, trial: dict, index: int, label: str, again: bool = False) -> dict:
        bound, entries = bind(trial, index)
        launch_all(kernels, trial, bound)
        check_zones(label, entries, again)
        return read_all(entries, trial, index)

    def same(a: dict, b: dict) -> list:
        """The buffers whose contents differ: bit for bit on the CPU interpreter (deterministic), and
        on a GPU within the rounding a different order of float atomics explains (1e-3 relative)."""
        changed = []
        for n in a:
            if a[n].shape != b[n].shape:
                changed.append(n)
            elif np_ndarray_tobytes(a[n]) != np_ndarray_tobytes(b[n]):
                if not (device == "cuda" and a[n].dtype.kind in "fc"
                        and np_allclose(a[n], b[n], rtol=1e-3, atol=1e-6, equal_nan=True)):
                    changed.append(n)
        return changed

    def timed(kernels: dict, trial: dict, checked: dict, reps: int) -> float:
        """Median over ``reps`` of the launch sequence, the device synchronized around each; every
        repetition starts from fresh inputs and its outputs are compared with the checked ones
        (outside the timed span)."""
        samples = []
        for rep in b_range(reps + 2):
            bound, entries = bind(trial, 0)
            synchronize()
            start = clock()
            launch_all(kernels, trial, bound)
            samples.append(clock() - start)
            check_zones(f"{trial['name']} (timing run {rep + 1})", entries, True)
            changed = same(checked, read_all(entries, trial, 0))
            if changed:
                _once(tampering, f"outputs {', '.join(changed)} changed between the checked run and timing run "
                                 f"{rep + 1}")
        samples = b_sorted(samples[2:])
        return samples[b_len(samples) // 2]

    def finish(result: dict, outputs: dict) -> dict:
        verify()
        result.update(host_compute=host_compute, tampering=tampering, guard_violations=guard_violations)
        savez(npz_path, **outputs)
        return result

    def sign(result: dict) -> None:
        """Write result.json, its MAC over itself and result.npz (the executor checks it)."""
        body = dumps(result, sort_keys=True)
        if signer is not None:
            mac = signer.copy()
            mac.update(body.encode())
            try:
                mac.update(read_bytes(npz_path))
            except FileNotFoundError:
                pass
            result = {**result, "mac": mac.hexdigest()}
        write_text(result_path, dumps(result))

    # -- the run ----------------------------------------------------------------------------------
    with np_load(folder / "inputs.npz") as data:
        inputs = {k: data[k] for k in data.files}

    def run() -> dict:
        result: dict = {"stage": "compile", "ok": False, "error": "", "seconds": None, "trials": 0}
        write_text(folder / "started", "")  # the time limit counts from here: imports done, candidate next
        try:
            spec = importlib.util.spec_from_file_location("porter_candidate", folder / "candidate.py")
            candidate = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(candidate)
            kernels = b_getattr(candidate, "KERNELS", None)
            if not b_isinstance(kernels, b_dict):
                raise TypeError("the module defines no KERNELS dict")
            kernels = b_dict(kernels)  # the candidate's later edits of its table do not reach the worker
            missing = b_sorted({launch["kernel"] for t in job["trials"] for launch in t["launches"]} - b_set(kernels))
            if missing:
                raise KeyError(f"KERNELS has no entry for {', '.join(missing)}")
        except BaseException as error:  # noqa: BLE001 -- anything the candidate raises is its failure
            result["error"] = describe(error)
            return finish(result, {})
        result["stage"] = "run"
        outputs: dict = {}
        checked: dict = {}
        trials = job["trials"]
        for index, trial in b_enumerate(trials):
            try:
                got = run_trial(kernels, trial, index, trial["name"])
            except BaseException as error:  # noqa: BLE001
                result["error"] = f"trial {trial['name']!r}: {describe(error)}"
                result["trials"] = index
                return finish(result, outputs)
            for name, value in got.items():
                outputs[f"{index}/{name}"] = value
            if index == 0:
                checked = got
        result["trials"] = b_len(trials)
        try:
            if trials and job.get("time") and device == "cuda":
                result["seconds"] = timed(kernels, trials[0], checked, job.get("reps", 20))
            if trials:  # the first trial once more, after every other run: the outputs must not have changed
                again = run_trial(kernels, trials[0], 0, f"{trials[0]['name']} (re-run)", True)
                changed = same(checked, again)
                if changed:
                    _once(tampering, f"outputs {', '.join(changed)} changed between the checked run and the "
                                     "timed runs (a fresh run of the first trial after them)")
        except BaseException as error:  # noqa: BLE001
            result["error"] = f"trial {trials[0]['name']!r} (re-run): {describe(error)}"
            return finish(result, outputs)
        result.update(ok=True, stage="done")
        return finish(result, outputs)

    return {"run": run, "sign": sign}


def _once(found: list, finding: str) -> None:
    if finding not in found:
        found.append(finding)


def _watched(np, torch, json_module, time_module, os_module, sys_module, builtins_module, hooks) -> list:
    """(label, how to read it now, the object now) for everything the worker relies on."""
    items = []

    def watch(label: str, owner, name: str) -> None:
        if hasattr(owner, name):
            items.append((f"{label}.{name}", lambda: _static(owner, name), _static(owner, name)))

    for name in ("copy_", "view", "detach", "cpu", "numpy", "__getitem__", "element_size", "numel", "reshape",
                 "data_ptr", "to", "contiguous", "__torch_function__", "__torch_dispatch__"):
        watch("torch.Tensor", torch.Tensor, name)
    for name in ("empty", "from_numpy", "zeros", "empty_like"):
        watch("torch", torch, name)
    for name in ("synchronize", "Event", "Stream", "current_stream"):
        watch("torch.cuda", torch.cuda, name)
    for name in ("_len_torch_dispatch_stack", "_get_dispatch_stack_at", "_len_torch_function_stack",
                 "_get_function_stack_at", "_push_on_torch_dispatch_stack", "_pop_torch_dispatch_stack"):
        watch("torch._C", torch._C, name)
    from torch.overrides import TorchFunctionMode
    from torch.utils import _python_dispatch
    for name in ("__enter__", "__exit__"):
        watch("TorchDispatchMode", _python_dispatch.TorchDispatchMode, name)
        watch("TorchFunctionMode", TorchFunctionMode, name)
    for name in ("_push_mode", "_pop_mode"):
        watch("torch.utils._python_dispatch", _python_dispatch, name)
    for name in ("savez", "load", "array_equal", "allclose", "count_nonzero"):
        watch("numpy", np, name)
    for name in ("dumps", "loads"):
        watch("json", json_module, name)
    for name in ("perf_counter", "perf_counter_ns", "monotonic", "time", "sleep"):
        watch("time", time_module, name)
    for name in ("_exit", "urandom", "write", "open"):
        watch("os", os_module, name)
    for name in ("len", "range", "sorted", "isinstance", "tuple", "list", "dict", "set", "getattr", "hasattr",
                 "print", "open", "__import__", "enumerate", "zip", "min", "max", "any", "repr", "str", "int",
                 "bytes", "type", "id", "iter", "next"):
        watch("builtins", builtins_module, name)
    for name in ("copy", "view", "reshape", "tobytes"):
        watch("numpy.ndarray", np.ndarray, name)
    for name in ("write_text", "write_bytes", "read_bytes", "read_text"):
        watch("pathlib.Path", Path, name)
    for name in ("new", "compare_digest"):
        watch("hmac", hmac, name)
    watch("hashlib", hashlib, "sha256")
    for name in ("numpy", "torch", "json", "time", "os", "builtins", "triton", "hmac", "hashlib"):
        if name in sys_module.modules:
            module = sys_module.modules[name]
            items.append((f"sys.modules[{name!r}]", lambda name=name: sys_module.modules.get(name), module))
    items.append(("sys.settrace", lambda: sys_module.gettrace(), sys_module.gettrace()))
    items.append(("sys.setprofile", lambda: sys_module.getprofile(), sys_module.getprofile()))
    items += hooks["watched"]
    return items


def _static(owner, name: str):
    """The attribute as stored (a class's own entry, not a freshly bound method), else as read."""
    if isinstance(owner, type):
        for klass in owner.__mro__:
            if name in klass.__dict__:
                return klass.__dict__[name]
    return getattr(owner, name)


def _triton_hooks(interpret: bool) -> dict:
    """Trusted replacements of Triton's launch entry points, bound before the candidate runs.

    Under the interpreter, ``GridExecutor.__call__`` is replaced by a copy of Triton's own that
    runs the programs in the trial's order, with the host-compute guard paused while Triton
    copies the arguments to and from the host (its own torch ops), and active while the
    programs run (a program's body is Python there: torch on a tensor it closed over is seen).
    On a GPU, ``JITFunction.run`` (compile and launch) runs paused, except a callable grid."""
    try:
        import triton
        from triton.runtime import jit as triton_jit
    except ImportError:
        return {"install": lambda state: None, "watched": []}
    import inspect

    watched: list = []
    installs = []
    getcallargs, getfullargspec = inspect.getcallargs, inspect.getfullargspec
    product, shuffle_with, b_len, b_range, b_list, b_tuple = itertools.product, random.Random, len, range, list, tuple
    holder: dict = {}

    def programs(grid, order: str):
        ids = product(b_range(grid[0]), b_range(grid[1]), b_range(grid[2]))
        if order == "forward":
            return ids
        ids = b_list(ids)
        if order == "reverse":
            ids.reverse()
        elif order.startswith("shuffle:"):
            shuffle_with(int(order.split(":", 1)[1])).shuffle(ids)
        else:
            raise ValueError(f"unknown program order {order!r}")
        return ids

    if interpret:
        from triton.runtime import interpreter as interp

        executor = interp.GridExecutor
        init_args, restore_args = executor._init_args_hst, executor._restore_args_dev
        patch_lang, implicit_cvt, builder = interp._patch_lang, interp._implicit_cvt, interp.interpreter_builder
        interpreter_error, knobs = interp.InterpreterError, triton.knobs

        def grid_call(self, *args_dev, **kwargs):
            state = holder["state"]
            argspec = getfullargspec(self.fn)
            kwargs = {k: v for k, v in kwargs.items() if k in argspec.args or k in argspec.kwonlyargs}
            state["paused"] += 1
            try:
                args_hst, kwargs_hst = init_args(self, args_dev, kwargs)
            finally:
                state["paused"] -= 1
            for hook in self.pre_run_hooks:
                hook(*args_hst, **kwargs_hst)
            patch_scope = patch_lang(self.fn)
            try:
                state["paused"] += 1
                try:
                    args = getcallargs(self.fn, *args_hst, **kwargs_hst)
                    args = {name: arg if name in self.constexprs else implicit_cvt(arg) for name, arg in args.items()}
                finally:
                    state["paused"] -= 1
                grid = self.grid(args) if callable(self.grid) else self.grid
                assert b_len(grid) <= 3, "grid must have at most 3 dimensions"
                grid = b_tuple(grid) + (1,) * (3 - b_len(grid))
                builder.set_grid_dim(*grid)
                try:
                    for x, y, z in programs(grid, state["order"]):
                        builder.set_grid_idx(x, y, z)
                        self.fn(**args)
                except Exception as e:
                    if knobs.compilation.front_end_debugging:
                        raise
                    raise interpreter_error(repr(e)) from e
            finally:
                patch_scope.restore()
            state["paused"] += 1
            try:
                restore_args(self, args_dev, args_hst, kwargs, kwargs_hst)
            finally:
                state["paused"] -= 1

        installs.append((executor, "__call__", grid_call))
        watched.append(("GridExecutor._init_args_hst", lambda: executor._init_args_hst, init_args))
        watched.append(("GridExecutor._restore_args_dev", lambda: executor._restore_args_dev, restore_args))
    else:
        jit_run = triton_jit.JITFunction.run

        def launch(self, *args, grid, warmup, **kwargs):
            state = holder["state"]
            if callable(grid):
                user_grid = grid

                def grid(meta):  # the candidate's grid function runs guarded
                    state["paused"] -= 1
                    try:
                        return user_grid(meta)
                    finally:
                        state["paused"] += 1
            state["paused"] += 1
            try:
                return jit_run(self, *args, grid=grid, warmup=warmup, **kwargs)
            finally:
                state["paused"] -= 1

        installs.append((triton_jit.JITFunction, "run", launch))
    try:
        from triton.runtime.autotuner import Autotuner
    except ImportError:
        Autotuner = None
    if Autotuner is not None and hasattr(Autotuner, "_bench"):
        bench = Autotuner._bench

        def paused_bench(self, *args, **kwargs):  # benchmarking's own torch ops (cache flushes, events)
            state = holder["state"]
            state["paused"] += 1
            try:
                return bench(self, *args, **kwargs)
            finally:
                state["paused"] -= 1

        installs.append((Autotuner, "_bench", paused_bench))
    if Autotuner is not None and interpret and hasattr(Autotuner, "prune_configs"):
        prune = Autotuner.prune_configs

        def first_config(self, kwargs):  # the interpreter cannot benchmark: run the first config only
            return prune(self, kwargs)[:1]

        installs.append((Autotuner, "prune_configs", first_config))

    def install(state: dict) -> None:
        holder["state"] = state
        for owner, name, replacement in installs:
            setattr(owner, name, replacement)
            watched.append((f"triton {owner.__name__}.{name}", lambda owner=owner, name=name: owner.__dict__.get(name),
                            replacement))
        watched.append(("triton.runtime.jit.KernelInterface.__getitem__",
                        lambda: triton_jit.KernelInterface.__getitem__, triton_jit.KernelInterface.__getitem__))

    return {"install": install, "watched": watched}


def _describe(error: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith("candidate.py")]
    where = f" (candidate.py line {frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}: {str(error)[:800]}{where}"


def _child(folder: Path) -> None:
    sign = None
    try:
        trusted = _trusted(folder)
        sign = trusted["sign"]
        result = trusted["run"]()
    except BaseException as error:  # noqa: BLE001
        result = {"stage": "crash", "ok": False, "error": _describe(error), "seconds": None, "trials": 0}
    try:
        if sign is not None:
            sign(result)
        else:
            (folder / "result.json").write_text(json.dumps(result))
    finally:
        sys.stdout.flush()
        os._exit(0)


def serve() -> None:
    """The fork server: one line in (a job folder and a time limit), one line out."""
    import numpy  # noqa: F401 -- imported once, before any fork
    import torch  # noqa: F401
    import triton
    import triton.language  # noqa: F401

    print("ready", flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        folder, limit = Path(request["dir"]), float(request["timeout"])
        pid = os.fork()
        if pid == 0:
            sys.stdin.close()
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the child never writes the protocol
            _seal()
            _child(folder)
        status = _wait(pid, limit)
        print(json.dumps({"dir": str(folder), "status": status}), flush=True)


def _wait(pid: int, limit: float) -> str:
    deadline = time.monotonic() + limit
    while True:
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            return "exited" if os.WIFEXITED(code) else f"killed by signal {os.WTERMSIG(code)}"
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        select.select([], [], [], 0.005)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--serve"]:
        serve()
        return
    _seal()
    _child(Path(argv[0]))


if __name__ == "__main__":
    main(sys.argv[1:])
