"""The sandbox every candidate runs in: bubblewrap (``bwrap``), one fresh sandbox per job.

What a sandboxed job sees and may do:

* **Files**: read-only binds of ``/usr`` (and the ``/bin``, ``/lib*``, ``/sbin`` links or folders),
  the loader's files under ``/etc``, the Python interpreter's prefix (``sys.base_prefix``) and the
  site-packages folders that hold numpy, torch and triton (mounted at ``/opt/site/N``, with any
  installed ``porter`` package hidden under an empty tmpfs), the worker module (one file, at
  ``/opt/porter-worker/worker.py``), a fresh size-capped tmpfs ``/tmp``, a minimal ``/dev``, a
  ``/proc`` of its own pid namespace, and its own job folder read-write at ``/job``. Nothing else:
  not porter's checkout or installed sources, not the golden store, not other jobs, not ``$HOME``.
  A GPU job also sees the ``/dev/nvidia*`` devices, a read-only ``/sys`` and the CUDA driver's
  libraries (:func:`cuda_driver`: mounted where /usr does not hold them, and named to the job
  where the loader's cache does not list them). Triton's compiler (its ``ptxas``, the C compiler
  under /usr, a cache in the job's own ``/tmp``) works there as outside.
* **Who**: an unprivileged uid/gid (65534). When porter runs as root, bwrap sets up the mounts as
  root and ``setpriv`` drops to the real uid 65534 (no capabilities, ``no_new_privs``) before the
  interpreter starts, so even outside the namespaces the job's processes belong to ``nobody``.
  Otherwise bwrap maps the caller's uid to 65534 inside a user namespace that cannot nest another.
* **Namespaces**: new pid, network (loopback only, down), ipc, uts and cgroup namespaces, a new
  session (no terminal injection). bwrap's pid-1 dies with its parent (``--die-with-parent``)
  and every process of the namespace dies with pid 1, so killing the sandbox at the time limit
  kills every process the candidate started, daemons included.
* **Limits** (``prlimit``, hard and soft, set before the interpreter starts): CPU seconds, address
  space (or data segment on a GPU, whose driver reserves huge address ranges), file size, process
  count and open files; no core dumps.
* **Environment**: built from an allow-list (:data:`ALLOWED_ENV` plus what the executor sets);
  ``--clearenv`` drops everything else.

:func:`probe` runs ``bwrap ... true`` once per process and says whether the sandbox works here.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

#: Host variables a job may inherit (values copied when set); everything else is dropped.
ALLOWED_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES",
               "CUDA_DEVICE_ORDER")
#: Fixed values every job gets.
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "USER": "nobody",
            "LOGNAME": "nobody", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1"}
#: The packages whose site-packages folders are mounted (read-only) into the sandbox.
PACKAGES = ("numpy", "torch", "triton")
#: Top-level folders mounted read-only (or as the links they are) beside /usr.
TOPS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
UID = GID = 65534
JOB = "/job"
WORKER = "/opt/porter-worker/worker.py"
FIX = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)"
GIB = 1 << 30


class SandboxUnavailable(RuntimeError):
    """bwrap is missing or cannot make a sandbox here, and the caller did not allow unconfined runs."""


@dataclass(frozen=True)
class Limits:
    """Per-job resource limits (hard limits: the job cannot raise them)."""

    cpu_seconds: int = 600
    address_space: int = 16 * GIB  # RLIMIT_AS on the CPU interpreter; RLIMIT_DATA on a GPU
    #: the largest file a job may write: as much as porter reads back of a job's results (on a GPU the
    #: large held-out trial alone holds up to 2^25 elements per buffer, several buffers: over 256 MiB)
    file_size: int = GIB
    processes: int = 256  # RLIMIT_NPROC, counted for uid 65534
    open_files: int = 256
    tmp_size: int = 256 << 20  # the tmpfs at /tmp


@dataclass(frozen=True)
class Status:
    ok: bool
    version: str | None
    path: str | None
    mode: str  # "setpriv" (root: real uid 65534) | "userns" (uid 65534 in a user namespace) | ""
    detail: str

    def describe(self) -> str:
        if self.ok:
            return f"bubblewrap {self.version} ok ({self.mode})"
        return f"{self.detail}; {FIX}, or run candidates unconfined (--unconfined)"


@cache
def probe() -> Status:
    """Whether bwrap can make the sandbox here: run ``true`` inside one, once per process."""
    path = shutil.which("bwrap")
    if path is None:
        return Status(False, None, None, "", "the candidate sandbox needs bubblewrap (bwrap), which is missing")
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout.split()[-1]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        version = None
    mode = _mode()
    with tempfile.TemporaryDirectory(prefix="porter-sandbox-probe-") as job:
        _own(Path(job), mode)
        command = _command(path, mode, Path(job), ["/usr/bin/true"], {}, Limits(), device="cpu", python=False)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as error:
            return Status(False, version, path, mode, f"bwrap did not start a sandbox ({error})")
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return Status(False, version, path, mode, f"bwrap is installed but cannot make a sandbox here ({why})")
    return Status(True, version, path, mode, "")


def require(unconfined: bool) -> Status | None:
    """The working sandbox, or None when the caller allowed unconfined runs and there is none.

    Raises :class:`SandboxUnavailable` (naming the fix) when there is none and ``unconfined`` is False."""
    status = probe()
    if status.ok and not unconfined:
        return status
    if unconfined:
        return None
    raise SandboxUnavailable(f"porter will not run model-written code outside a sandbox: {status.describe()}")


@dataclass
class Job:
    """One sandboxed run: ``start()`` then ``wait(limit)``; the folder is the job's /job."""

    folder: Path
    argv: list[str]
    env: dict[str, str]
    limits: Limits = field(default_factory=Limits)
    device: str = "cpu"
    stderr_tail: str = ""

    def run(self, timeout: float, *, started: str | None = None, startup: float = 300.0) -> str:
        """Run to completion or kill at ``timeout``: "exited", "exit status N" or "timeout".

        With ``started`` (a file name in the job folder), ``timeout`` counts from when that file
        appears (the interpreter's own start-up and imports excluded), within ``startup`` seconds."""
        status = probe()
        if not status.ok:
            raise SandboxUnavailable(status.describe())
        _own(self.folder, status.mode)
        command = _command(status.path, status.mode, self.folder, self.argv, self.env, self.limits, self.device)
        info_read, info_write = os.pipe()
        command[1:1] = ["--info-fd", str(info_write)]
        with tempfile.TemporaryFile() as err:
            try:
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                           start_new_session=True, pass_fds=(info_write,))
            finally:
                os.close(info_write)
            namespace = _namespace(info_read)
            try:
                code = _wait(process, timeout, self.folder / started if started else None, startup)
            finally:  # past the limit, or interrupted: nothing of the sandbox outlives this call
                if process.poll() is None:
                    kill(process)
                sweep(namespace)
            err.seek(0, os.SEEK_END)
            err.seek(max(0, err.tell() - 4000))
            self.stderr_tail = err.read().decode("utf-8", "replace")
        if code is None:
            return "timeout"
        return "exited" if code == 0 else f"exit status {code}"


def _wait(process: subprocess.Popen, timeout: float, marker: Path | None, startup: float) -> int | None:
    """The exit status, or None past the limit."""
    if marker is None:
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
    deadline = time.monotonic() + startup
    while True:
        if os.path.lexists(marker):
            deadline = min(deadline, time.monotonic() + timeout)
            marker = None  # seen once: the candidate cannot move the deadline by touching the file
        try:
            return process.wait(0.05 if marker is not None else max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            if time.monotonic() >= deadline:
                return None


def _namespace(info: int) -> str | None:
    """The sandbox's pid namespace (``pid:[inode]``), from bwrap's --info-fd (read, then closed)."""
    import json
    import select

    try:
        data, child = b"", None
        while child is None and select.select([info], [], [], 30)[0]:
            chunk = os.read(info, 4096)  # bwrap keeps the fd open: parse as soon as the object is whole
            if not chunk:
                break
            data += chunk
            try:
                child = json.loads(data)["child-pid"]
            except ValueError:
                continue
        return os.readlink(f"/proc/{child}/ns/pid") if child is not None else None
    except (OSError, KeyError, TypeError):
        return None  # bwrap failed before the sandbox existed
    finally:
        os.close(info)


def sweep(namespace: str | None, limit: float = 10.0) -> None:
    """Wait until no process of the sandbox's pid namespace is left running (zombies aside), killing
    any still there: the kernel tears a namespace down asynchronously after its pid 1 dies."""
    if namespace is None:
        return
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        alive = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.readlink(f"/proc/{entry}/ns/pid") == namespace and not _zombie(entry):
                        alive.append(int(entry))
                except OSError:
                    continue
        if not alive:
            return
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)


def _zombie(pid: str) -> bool:
    """Exited, waiting to be reaped (by whoever adopted it): it runs no code any more."""
    with open(f"/proc/{pid}/stat", "rb") as handle:
        return handle.read().rsplit(b")", 1)[1].split()[0] == b"Z"


def kill(process: subprocess.Popen) -> None:
    """Kill bwrap's process group; its pid-1 dies with it (--die-with-parent), and with pid 1 the
    whole pid namespace: every process the job started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def python_command(script: str = WORKER, *args: str) -> list[str]:
    """The interpreter inside the sandbox, without site (no .pth files, no porter): numpy, torch
    and triton come from PYTHONPATH (see :func:`python_env`)."""
    return [_interpreter(), "-S", "-s", "-P", script, *args]


def python_env(extra: dict[str, str]) -> dict[str, str]:
    env = {name: os.environ[name] for name in ALLOWED_ENV if name in os.environ}
    env.update(BASE_ENV)
    env["PYTHONPATH"] = ":".join(f"/opt/site/{i}" for i in range(len(_site_dirs())))
    env.update(extra)
    return env


def _command(bwrap: str, mode: str, job: Path, argv: list[str], env: dict[str, str], limits: Limits,
             device: str, python: bool = True) -> list[str]:
    command = [bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
               "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox", "--clearenv"]
    if mode == "userns":
        command += ["--unshare-user", "--disable-userns", "--uid", str(UID), "--gid", str(GID)]
    else:  # root: no user namespace; setpriv below makes the job a real unprivileged uid
        command += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    if device == "cuda":
        env = {**cuda_driver().env, **env}
    for name, value in env.items():
        command += ["--setenv", name, value]
    command += ["--ro-bind", "/usr", "/usr"]
    for top in TOPS:
        if os.path.islink(top):
            command += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            command += ["--ro-bind", top, top]
    command += ["--perms", "0755", "--dir", "/etc"]
    for path in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives"):
        if os.path.exists(path):
            command += ["--ro-bind", path, path]
    command += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(limits.tmp_size), "--tmpfs", "/tmp"]
    if python:
        prefix = os.path.realpath(sys.base_prefix)
        for parent in [*reversed(Path(prefix).parents)][1:]:  # bwrap would make them 0700
            command += ["--perms", "0755", "--dir", str(parent)]
        command += ["--perms", "0755", "--dir", "/opt", "--perms", "0755", "--dir", "/opt/site",
                    "--perms", "0755", "--dir", str(Path(WORKER).parent)]
        command += ["--ro-bind", prefix, prefix]
        for index, site in enumerate(_site_dirs()):
            command += ["--ro-bind", site, f"/opt/site/{index}"]
            if os.path.isdir(os.path.join(site, "porter")):
                command += ["--tmpfs", f"/opt/site/{index}/porter"]  # an installed porter stays hidden
        command += ["--ro-bind", str(Path(__file__).with_name("worker.py")), WORKER]
    if device == "cuda":
        for name in sorted(os.listdir("/dev")):
            if name.startswith("nvidia"):
                command += ["--dev-bind", f"/dev/{name}", f"/dev/{name}"]
        command += ["--ro-bind", "/sys", "/sys"]
        driver = cuda_driver()
        for folder in driver.binds:  # the driver's libraries where /usr does not show them
            for parent in [*reversed(Path(folder).parents)][1:]:
                command += ["--perms", "0755", "--dir", str(parent)]
            command += ["--ro-bind", folder, folder]
    command += ["--bind", str(job), JOB, "--chdir", "/", "--"]  # /job is the uid's alone: root without caps cannot enter it
    if mode != "userns":
        command += [_tool("setpriv"), f"--reuid={UID}", f"--regid={GID}", "--clear-groups", "--inh-caps=-all",
                    "--no-new-privs", "--"]
    memory = "--data" if device == "cuda" else "--as"
    command += [_tool("prlimit"), f"--cpu={limits.cpu_seconds}", f"{memory}={limits.address_space}",
                f"--fsize={limits.file_size}", f"--nproc={limits.processes}", f"--nofile={limits.open_files}",
                "--core=0", "--", *argv]
    return command


#: Where CUDA driver libraries (``libcuda.so.1``) live when the loader's cache does not list them
#: (container runtimes mount them in one of these and set ``LD_LIBRARY_PATH``, which jobs do not inherit).
DRIVER_DIRS = ("/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib64",
               "/usr/lib/aarch64-linux-gnu", "/usr/lib/wsl/lib")


@dataclass(frozen=True)
class CudaDriver:
    """Where this machine's CUDA driver library is, and what a GPU job needs to find it."""

    folders: tuple[str, ...]  # every folder holding libcuda.so.1
    cached: bool  # the loader's cache (``ldconfig -p``, /etc/ld.so.cache, mounted in every job) lists it
    binds: tuple[str, ...]  # folders outside the job's view of /usr, mounted read-only at the same path
    env: dict[str, str] = field(default_factory=dict)  # LD_LIBRARY_PATH / TRITON_LIBCUDA_PATH where not cached

    def describe(self) -> str:
        if not self.folders:
            return "no libcuda.so.1 found (ldconfig -p, LD_LIBRARY_PATH, " + ", ".join(DRIVER_DIRS) + ")"
        how = "the loader's cache" if self.cached else "LD_LIBRARY_PATH and TRITON_LIBCUDA_PATH set for GPU jobs"
        extra = f"; mounted: {', '.join(self.binds)}" if self.binds else ""
        return f"libcuda.so.1 in {', '.join(self.folders)} (found through {how}{extra})"


@cache
def cuda_driver() -> CudaDriver:
    """The CUDA driver's folders: from the loader's cache, then the host's ``LD_LIBRARY_PATH`` and
    :data:`DRIVER_DIRS`. A job sees /usr and the loader's cache; a folder elsewhere is mounted, and
    where the cache does not list the library the job is told where it is."""
    cached: list[str] = []
    ldconfig = next((p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.path.exists(p)), None)
    if ldconfig is not None:
        try:
            listing = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired):
            listing = ""
        for line in listing.splitlines():
            if line.strip().startswith("libcuda.so.1 ") and "=>" in line:
                folder = os.path.dirname(line.split("=>", 1)[1].strip())
                if folder not in cached:
                    cached.append(folder)
    found = list(cached)
    for folder in [*os.environ.get("LD_LIBRARY_PATH", "").split(":"), *DRIVER_DIRS]:
        if folder and os.path.isabs(folder) and folder not in found and \
                os.path.exists(os.path.join(folder, "libcuda.so.1")):
            found.append(folder)
    binds = tuple(dict.fromkeys(os.path.realpath(f) for f in found if not _shown(os.path.realpath(f))))
    env = {}
    if found and not cached:
        env = {"LD_LIBRARY_PATH": ":".join(found), "TRITON_LIBCUDA_PATH": found[0]}
    return CudaDriver(tuple(found), bool(cached), binds, env)


def _shown(folder: str) -> bool:
    """Whether every job sees ``folder`` already (through its read-only /usr)."""
    return any(folder == top or folder.startswith(top + "/") for top in ("/usr", *TOPS))


def _mode() -> str:
    return "setpriv" if os.geteuid() == 0 and shutil.which("setpriv") else "userns"


def _own(folder: Path, mode: str) -> None:
    """The job folder belongs to the sandbox's uid (only it and root can enter it)."""
    if mode == "setpriv":
        os.chown(folder, UID, GID)
        for path in folder.iterdir():
            os.chown(path, UID, GID, follow_symlinks=False)
    folder.chmod(0o700)


@cache
def _tool(name: str) -> str:
    path = shutil.which(name) or f"/usr/bin/{name}"
    if not path.startswith("/usr/") and not path.startswith("/bin/"):
        raise SandboxUnavailable(f"{name} must come from /usr (found {path}); it runs inside the sandbox")
    return path


@cache
def _interpreter() -> str:
    return os.path.realpath(getattr(sys, "_base_executable", sys.executable))


@cache
def _site_dirs() -> tuple[str, ...]:
    """The site-packages folders holding numpy, torch and triton (found without importing them)."""
    found: list[str] = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        site = os.path.realpath(os.path.dirname(list(spec.submodule_search_locations)[0]))
        if site not in found:
            found.append(site)
    return tuple(found)

