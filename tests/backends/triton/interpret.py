"""Running a Triton port in the CPU interpreter (TRITON_INTERPRET=1), in a child process."""

import os
import subprocess
import sys

#: a script's opening: the port at {port!r} imported as ``m``
LOAD_PORT = """
import importlib.util, torch
spec = importlib.util.spec_from_file_location("port", {port!r}); m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
"""


def run_interpreted(tmp_path, code: str, script: str, name: str = "port", timeout: int = 300, **values) -> str:
    """Write ``code`` as ``name``.py, run ``LOAD_PORT + script`` (formatted with ``port`` and
    ``values``) under the interpreter, and return its standard output; a failed run fails the test."""
    port = tmp_path / f"{name}.py"
    port.write_text(code)
    text = (LOAD_PORT + script).format(port=str(port), **values)
    done = subprocess.run([sys.executable, "-c", text], capture_output=True, text=True,
                          env={**os.environ, "TRITON_INTERPRET": "1"}, timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()
