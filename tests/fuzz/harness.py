"""Run porter on mutants in a worker process, with a time bound per mutant.

:class:`Harness` starts one worker (a ``spawn``-ed process, so a crash or a hang in porter or in
libclang takes only the worker down): it translates a mutant for every backend and, for the tile
backends, compiles and imports what porter emitted. The parent waits ``timeout`` seconds per
mutant; a worker that does not answer in time is killed (a hang), one that dies is a crash, and a
fresh worker takes the next mutant.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

#: (label, target, options) of each backend the fuzz suite runs
BACKENDS = (("hip", "hip", {}), ("triton", "triton", {}), ("pallas-gpu", "pallas", {"flavor": "gpu"}),
            ("pallas-tpu", "pallas", {"flavor": "tpu"}), ("nki", "nki", {}))
TILE = {"triton", "pallas-gpu", "pallas-tpu", "nki"}
SYNTAX_IDS = {"P0020", "P0021", "P0022", "P0023"}

OK, REFUSED, INPUT_ERROR, CRASH, BROKEN, HANG = "ok", "refused", "input-error", "crash", "broken", "hang"


@dataclass(frozen=True)
class Outcome:
    backend: str
    status: str  # OK, REFUSED, INPUT_ERROR, CRASH, BROKEN or HANG
    detail: str = ""
    syntax: bool = False  # refused with a syntax diagnostic (P0020-P0023)
    code: str = ""  # the emitted module (tile backends, when porter emitted one)


def check_mutant(text: str, file_name: str, folder: str, serial: int) -> list[Outcome]:
    """Every backend's outcome for one mutant (runs in the worker)."""
    import porter
    outcomes = []
    for label, target, options in BACKENDS:
        try:
            result = porter.translate(text, target, name=file_name, **options)
        except porter.InputError as error:
            outcomes.append(Outcome(label, INPUT_ERROR, str(error)))
            continue
        except Exception:  # noqa: BLE001 -- any other exception is the crash being looked for
            outcomes.append(Outcome(label, CRASH, traceback.format_exc(limit=-6)))
            continue
        errors = result.errors
        detail = "; ".join(f"{d.id} {d.span}: {d.message}" for d in errors[:3])
        status = REFUSED if errors else OK
        if label in TILE and result.code.strip():
            broken = import_error(result.code, Path(folder) / f"m{serial}_{label.replace('-', '_')}.py")
            if broken:
                status, detail = BROKEN, broken
        outcomes.append(Outcome(label, status, detail, any(d.id in SYNTAX_IDS for d in errors),
                                result.code if label in TILE else ""))
    return outcomes


def import_error(code: str, path: Path) -> str:
    """Why ``code`` does not compile or import as a module ("" when it does)."""
    try:
        compile(code, str(path), "exec")
    except SyntaxError:
        return "does not compile: " + traceback.format_exc(limit=0)
    path.write_text(code, encoding="utf-8")
    try:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module  # triton.jit reads the source back through the module
        spec.loader.exec_module(module)
    except Exception:  # noqa: BLE001 -- any import failure is the finding
        return "does not import: " + traceback.format_exc(limit=-3)
    finally:
        sys.modules.pop(path.stem, None)
    return ""


def _serve(connection) -> None:
    with tempfile.TemporaryDirectory(prefix="porter-fuzz-") as folder:
        serial = 0
        while True:
            job = connection.recv()
            if job is None:
                return
            serial += 1
            connection.send(check_mutant(job[0], job[1], folder, serial))


class Harness:
    """A worker process that answers :func:`check_mutant`, restarted after a crash or a hang."""

    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout
        self.context = multiprocessing.get_context("spawn")
        self.process = None
        self.connection = None

    def __enter__(self) -> "Harness":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.connection, child = self.context.Pipe()
        self.process = self.context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            self.connection.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.process = None

    def run(self, text: str, file_name: str, timeout: float | None = None) -> list[Outcome]:
        """The outcomes of one mutant; HANG or CRASH for every backend when the worker failed."""
        if self.process is None:
            self.start()
        self.connection.send((text, file_name))
        if self.connection.poll(timeout or self.timeout):
            try:
                return self.connection.recv()
            except EOFError:
                pass
            status, detail = CRASH, f"the worker died (exit code {self.process.exitcode})"
        elif not self.process.is_alive():
            status, detail = CRASH, f"the worker died (exit code {self.process.exitcode})"
        else:
            status, detail = HANG, f"no answer in {timeout or self.timeout:g} s"
        self.process.kill()
        self.process.join()
        self.process = None
        return [Outcome(label, status, detail) for label, _, _ in BACKENDS]
