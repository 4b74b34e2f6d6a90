"""Escape tests: candidates that try to act on the machine run in porter's sandbox (bubblewrap),
and each test proves that nothing happened, not only that the run failed.

Every candidate here is a KERNELS module as the worker expects; its payload runs at import time
(or in the launcher) and reports what it saw through the exception it raises, which the
executor hands back as the run's error. Skipped, with the reason, only where bubblewrap cannot
make a sandbox on this machine (``scripts/setup.sh`` installs it).
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from pathlib import Path

import pytest

from porter.llm import sandbox
from porter.llm.executor import TritonExecutor, Trial
from porter.llm.sandbox import GIB, Limits

from porter.golden import corpus_dir, load_spec
from porter.golden.inputs import make_inputs
from porter.golden.resolve import resolve_case

CHECKOUT = Path(__file__).resolve().parents[2]
STATUS = sandbox.probe()

#: Small limits, so the memory and process tests stay cheap for the host.
LIMITS = Limits(cpu_seconds=30, address_space=2 * GIB, processes=24, open_files=64, tmp_size=16 << 20)
#: The end of every payload: it reports through the run's error.
REPORT = "\nraise RuntimeError('REPORT ' + repr(seen))\n"
PORT = (Path(__file__).parent / "ports" / "vector_add.py").read_text()


@pytest.fixture(scope="module")
def confined(tmp_path_factory):
    if not STATUS.ok:
        pytest.skip(f"no candidate sandbox here: {STATUS.describe()}")
    with TritonExecutor(interpret=True, timeout=20, limits=LIMITS,
                        workdir=tmp_path_factory.mktemp("jobs")) as executor:
        assert executor.confined  # every payload below runs only inside bwrap
        yield executor


@pytest.fixture(scope="module")
def trial():
    spec = load_spec(corpus_dir() / "vector_add.toml")
    case = resolve_case(spec, spec.cases[0])
    return Trial("t", "seed", case, make_inputs(case))


def run(executor, payload: str, trial: Trial):
    result = executor.run(payload, [trial])
    assert not result.ok
    return result


def report(result) -> str:
    assert "REPORT " in result.error, result.error  # the payload ran to its end inside the sandbox
    return result.error


def processes_with(token: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if token.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    found.append(int(entry))
            except OSError:
                continue
    return found


def test_a_shell_command_cannot_touch_the_host(confined, trial, tmp_path):
    marker = tmp_path / "marker"
    payload = PORT.replace("    add_kernel[", f"""    import os, subprocess
    seen = [os.system("touch {marker}"), subprocess.run(["/bin/sh", "-c", "echo x > {marker}"]).returncode,
            subprocess.run(["/bin/sh", "-c", "echo ran > /job/shell-ran && cat /job/shell-ran"],
                           capture_output=True, text=True).stdout]
    raise RuntimeError('REPORT ' + repr(seen))
    add_kernel[""")
    said = report(run(confined, payload, trial))
    assert "'ran\\n'" in said  # the shell really ran, inside the sandbox
    assert not marker.exists()


def test_writes_outside_the_job_folder_land_nowhere(confined, trial):
    name = f"escape-{uuid.uuid4().hex}"
    targets = [CHECKOUT / name, CHECKOUT / "porter" / f"{name}.py", confined.workdir / name, Path("/tmp") / name]
    readme = hashlib.sha256((CHECKOUT / "README.md").read_bytes()).hexdigest()
    payload = f"""
import os
seen = []
for path in {[str(t) for t in targets] + [str(CHECKOUT / 'README.md')]!r}:
    try:
        with open(path, "a") as handle:
            handle.write("owned")
        seen.append("wrote " + path)
    except OSError as error:
        seen.append(type(error).__name__)
""" + REPORT
    try:
        said = report(run(confined, payload, trial))
        assert "wrote /tmp/" in said  # its own /tmp is writable, and private
        assert all(not t.exists() for t in targets)
        assert hashlib.sha256((CHECKOUT / "README.md").read_bytes()).hexdigest() == readme
    finally:
        for target in targets:
            target.unlink(missing_ok=True)


def test_the_checkout_the_store_and_other_jobs_cannot_be_read(confined, trial):
    other = confined.workdir / "run9999"
    other.mkdir(exist_ok=True)
    secret = f"other-job-{uuid.uuid4().hex}"
    (other / "result.json").write_text(secret)
    golden = CHECKOUT / "golden" / "recorded" / "vector_add" / "n1000.json"
    paths = [CHECKOUT / "README.md", golden, other / "result.json", CHECKOUT / "llm" / "harness.py",
             Path("/root/.bashrc"), Path("/etc/passwd")]
    assert all(p.exists() for p in paths[:4])
    payload = f"""
import os
seen = {{}}
for path in {[str(p) for p in paths]!r}:
    try:
        seen[path] = open(path).read()[:200]
    except OSError as error:
        seen[path] = type(error).__name__
try:
    import porter
    seen["porter"] = porter.__file__
except ImportError as error:
    seen["porter"] = "ImportError"
seen["root"] = sorted(os.listdir("/"))
""" + REPORT
    said = report(run(confined, payload, trial))
    assert secret not in said and "golden" not in said.split("REPORT", 1)[1].replace(str(golden), "")
    for path in paths:
        assert f"'{path}': 'FileNotFoundError'" in said or f"'{path}': 'PermissionError'" in said, said
    assert "'porter': 'ImportError'" in said
    assert "'work'" not in said


def test_no_connection_leaves_the_sandbox(confined, trial):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        server.setblocking(False)
        port = server.getsockname()[1]
        payload = f"""
import _socket, subprocess
seen = []
try:
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    raw.settimeout(2)
    raw.connect(("127.0.0.1", {port}))
    seen.append("connected")
except OSError as error:
    seen.append(type(error).__name__)
seen.append(subprocess.run(["/bin/bash", "-c", "echo x > /dev/tcp/127.0.0.1/{port}"]).returncode)
""" + REPORT
        said = report(run(confined, payload, trial))
        with pytest.raises(BlockingIOError):
            server.accept()
    assert "connected" not in said


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    if not STATUS.ok:
        pytest.skip(f"no candidate sandbox here: {STATUS.describe()}")
    with TritonExecutor(interpret=True, timeout=6, limits=LIMITS, workdir=tmp_path_factory.mktemp("short")) as executor:
        assert executor.confined
        yield executor


@pytest.mark.parametrize("then", ["exits", "hangs"])
def test_a_daemon_dies_with_the_sandbox(confined, short, trial, tmp_path, then):
    """A double-forked, setsid daemon outlives neither a job that ends nor one killed at its limit."""
    token = f"porter-daemon-{uuid.uuid4().hex}"
    marker = tmp_path / "daemon-marker"
    rest = "while True:\n    pass\n" if then == "hangs" else REPORT
    payload = f"""
import os, time
seen = []
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 30; touch {marker}; touch /job/late", "{token}"])
    os._exit(0)
time.sleep(0.5)
seen = [p for p in os.listdir("/proc") if p.isdigit() and b"{token}" in open(f"/proc/{{p}}/cmdline", "rb").read()]
assert seen, "the daemon did not start"
""" + rest
    executor = short if then == "hangs" else confined
    started = time.perf_counter()
    result = run(executor, payload, trial)
    if then == "hangs":
        assert result.stage == "timeout" and time.perf_counter() - started < executor.timeout + 5
    else:
        assert "REPORT ['" in report(result)  # the daemon was running inside while the job ran
    assert processes_with(token) == []  # gone the moment run() returns: it can never write anything
    assert not marker.exists()


def test_unbounded_allocation_is_stopped(confined, trial):
    payload = """
hoard = []
while True:
    hoard.append(b"x" * (100 << 20))
"""
    started = time.perf_counter()
    result = run(confined, payload, trial)
    assert time.perf_counter() - started < confined.timeout
    assert result.stage in ("compile", "crash") and ("MemoryError" in result.error or "died" in result.error)
    assert result.stage != "timeout"


def test_a_fork_bomb_is_bounded_and_reaped(confined, trial):
    token = f"porter-bomb-{uuid.uuid4().hex}"
    payload = f"""
import os
seen = {{"children": 0, "refused": ""}}
for _ in range(200):
    try:
        pid = os.fork()
    except OSError as error:
        seen["refused"] = type(error).__name__
        break
    if pid == 0:
        os.execv("/bin/sh", ["/bin/sh", "-c", "while :; do sleep 1; done", "{token}"])
    seen["children"] += 1
""" + REPORT
    said = report(run(confined, payload, trial))
    children = int(said.split("'children': ")[1].split(",")[0])
    assert "'refused': 'BlockingIOError'" in said and children < LIMITS.processes
    assert processes_with(token) == []


def test_porters_own_port_passes_in_the_sandbox(confined):
    """A legitimate candidate, porter's Triton port of saxpy.cu, runs and matches the goldens."""
    import porter
    from porter.llm.harness import Harness

    code = porter.translate(corpus_dir() / "saxpy.cu", "triton").code
    harness = Harness(load_spec(corpus_dir() / "saxpy.toml"), confined, code)
    assert harness.prepare().accepted
    assert not [n for n in harness.notes if "not used" in n or "no fresh recorded goldens" in n], harness.notes
    assert not any(confined.workdir.glob("run0*"))  # every job folder is gone after its run


def test_the_worker_is_standalone():
    """The sandbox mounts only worker.py: it must not import porter."""
    import ast

    tree = ast.parse((CHECKOUT / "llm" / "worker.py").read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not [m for m in imported if m.split(".")[0] == "porter"]


def test_without_a_sandbox_porter_refuses_unless_told(monkeypatch):
    monkeypatch.setattr(sandbox, "probe", lambda: sandbox.Status(False, None, None, "", "bwrap is missing"))
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        TritonExecutor(interpret=True)
    with TritonExecutor(interpret=True, unconfined=True) as executor:
        assert not executor.confined


def test_porter_optimize_refuses_without_a_sandbox(monkeypatch, capsys, tmp_path):
    from tests.cli.trees import run_porter

    monkeypatch.setattr(sandbox, "probe", lambda: sandbox.Status(False, None, None, "", "bwrap is missing"))
    outcome = run_porter(["optimize", corpus_dir() / "saxpy.cu", "--to", "triton", "--model", "openai/gpt-4o",
                          "--store", tmp_path, "--mode", "replay"], capsys, monkeypatch)
    assert outcome.code != 0
    assert "apt-get install bubblewrap" in outcome.err and "--unconfined" in outcome.err
    assert list(tmp_path.iterdir()) == []  # refused before anything ran or was asked
