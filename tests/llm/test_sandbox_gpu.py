"""What a GPU job's sandbox holds beyond a CPU job's: the CUDA driver's libraries wherever the host
keeps them, and room for the results of the GPU-sized trials. Runs without a GPU: a stand-in
``libcuda.so.1`` in a folder named only by ``LD_LIBRARY_PATH`` (as container runtimes do)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from porter.llm import sandbox
from porter.llm.sandbox import Limits
from porter.llm.trials import GPU_LARGE


@pytest.fixture
def driver_folder(tmp_path, monkeypatch):
    folder = tmp_path / "nvidia" / "lib64"
    folder.mkdir(parents=True)
    (folder / "libcuda.so.1").write_bytes(b"stand-in")
    folder.chmod(0o755)
    for parent in folder.parents:
        if parent == tmp_path.parent:
            break
        parent.chmod(0o755)
    monkeypatch.setenv("LD_LIBRARY_PATH", f"{folder}:/no/such/folder")
    sandbox.cuda_driver.cache_clear()
    yield folder
    sandbox.cuda_driver.cache_clear()


def test_a_driver_outside_the_loader_cache_is_mounted_and_named(driver_folder):
    driver = sandbox.cuda_driver()
    assert str(driver_folder) in driver.folders and not driver.cached
    assert driver.binds == (str(driver_folder.resolve()),)
    assert driver.env == {"LD_LIBRARY_PATH": str(driver_folder), "TRITON_LIBCUDA_PATH": str(driver_folder)}
    command = sandbox._command("/usr/bin/bwrap", "setpriv", Path("/tmp/job"), ["true"], {}, Limits(), "cuda")
    mount = ["--ro-bind", str(driver_folder.resolve()), str(driver_folder.resolve())]
    assert any(command[i:i + 3] == mount for i in range(len(command)))
    assert any(command[i:i + 3] == ["--setenv", "TRITON_LIBCUDA_PATH", str(driver_folder)] for i in range(len(command)))
    cpu = sandbox._command("/usr/bin/bwrap", "setpriv", Path("/tmp/job"), ["true"], {}, Limits(), "cpu")
    assert str(driver_folder.resolve()) not in cpu and "TRITON_LIBCUDA_PATH" not in cpu


def test_a_gpu_job_sees_the_driver_folder(driver_folder, tmp_path):
    if not sandbox.probe().ok:
        pytest.skip(f"no candidate sandbox here: {sandbox.probe().describe()}")
    job = tmp_path / "job"
    job.mkdir()
    (job / "look.py").write_text(
        "import json, os\n"
        f"folder = {str(driver_folder)!r}\n"
        "seen = {'files': sorted(os.listdir(folder)), 'env': os.environ.get('LD_LIBRARY_PATH'),\n"
        "        'triton': os.environ.get('TRITON_LIBCUDA_PATH')}\n"
        "open('/job/seen.json', 'w').write(json.dumps(seen))\n")
    run = sandbox.Job(job, sandbox.python_command(f"{sandbox.JOB}/look.py"), sandbox.python_env({}),
                      Limits(cpu_seconds=30), device="cuda")
    assert run.run(60) == "exited", run.stderr_tail
    seen = json.loads((job / "seen.json").read_text())
    assert seen == {"files": ["libcuda.so.1"], "env": str(driver_folder), "triton": str(driver_folder)}


def test_the_results_of_the_gpu_sized_trials_fit_the_file_size_limit():
    """A GPU's large held-out trial of vector_add: three float32 buffers of up to GPU_LARGE elements,
    every buffer written back in one result file (over 256 MiB)."""
    assert Limits().file_size >= 3 * GPU_LARGE * 4
