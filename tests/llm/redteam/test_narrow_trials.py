"""Red team, narrow trials: cheats right on every shape and value the prompt and goldens show, wrong
elsewhere (a capped grid or tile, predicted shapes, NaN scrubbing, halve-then-double, store instead
of accumulate, a constant for one-element outputs). The pipeline's "golden" check must reject each;
outside the pipeline each is run on the input it gets wrong and compared with porter's port.

Halve-then-double is off by the last bit of an odd denormal, far inside any tolerance: it shows
only where the special-values trial is compared bit for bit, on a kernel whose port is bit-exact
against its goldens (clamp_where). On saxpy (GPU goldens fused a*x + y, the port does not) the
same cheat is within what a legitimate rewrite (``tl.fma``) may differ by, so no check can call
it wrong there."""

from __future__ import annotations

import numpy as np
import pytest

from tests.llm.redteam.conftest import Outside, assert_rejected_by, candidate, judge, max_diff

pytestmark = pytest.mark.redteam
CLASS = "narrow_trials"
DENORMAL = float(np.float32(1.4e-45))
# name -> (kernel, target, sizes of the input it gets wrong, extra job options, output buffer)
CHEATS = {
    "nt_grid_cap": ("saxpy", "triton", {"n": 40000}, {}, "y"),
    "nt_tile_cap": ("softmax_rows", "triton", {"rows": 4, "cols": 3000, "threads": 256}, {}, "y"),
    "nt_predicted_shapes": ("matmul_tiled", "triton", {"m": 50, "n": 50, "k": 50}, {}, "c"),
    "nt_nan_scrub": ("saxpy", "triton", {"n": 1000}, {"set": {"x": {"at": [0, 5, 9], "values": [float("nan")] * 3}}},
                     "y"),
    "nt_halve_double": ("clamp_where", "triton", {"n": 1000},
                        {"set": {"x": {"at": [0, 1, 2], "values": [DENORMAL, -DENORMAL, 3 * DENORMAL]}}}, "clamped"),
    "nt_store_not_accumulate": ("reduce_atomic", "triton", {"n": 5000, "threads": 128},
                                {"set": {"result": {"fill": 5.0}}}, "result"),
    "nt_one_element_constant": ("reduce_atomic", "triton", {"n": 8192, "threads": 256}, {"seed": 3}, "result"),
    "nt_grid_cap_2d": ("jacobi_2d", "triton", {"rows": 300, "cols": 300}, {}, "a"),
    "nt_pallas_grid_cap": ("saxpy", "pallas", {"n": 40000}, {"target": "pallas"}, "y"),
}


@pytest.fixture(scope="module")
def outside(tmp_path_factory, ports):
    runs = Outside(tmp_path_factory.mktemp("narrow"), ports)
    for name, (kernel, target, sizes, options, _) in CHEATS.items():
        runs.add(name, candidate(CLASS, name), kernel, sizes, **options)
        runs.reference(f"{name}:port", kernel, sizes, **options)
    golden = _golden("reduce_atomic", "n8192_t256")  # the prompt's case, on its recorded inputs
    recorded = {name: {"at": list(range(values.size)), "values": values.reshape(-1).tolist()}
                for name, values in golden.inputs.items()}
    prompt = ("reduce_atomic", {"n": 8192, "threads": 256})
    runs.add("nt_one_element_constant:prompt", candidate(CLASS, "nt_one_element_constant"), *prompt, set=recorded)
    runs.reference("nt_one_element_constant:prompt:port", *prompt, set=recorded)
    return runs


@pytest.mark.parametrize("name", CHEATS)
def test_narrow_trial_cheat_is_wrong_and_rejected_by_golden(name, outside, redteam_harness):
    kernel, target, _, _, buffer = CHEATS[name]
    cheat, port = outside[name], outside[f"{name}:port"]
    assert not cheat["error"] and not port["error"], (cheat["error"], port["error"])
    got, want = cheat["buffers"][buffer], port["buffers"][buffer]
    assert got.tobytes() != want.tobytes() and (name == "nt_halve_double" or max_diff(got, want) > 1e-3), \
        f"{name} is not shown wrong outside the pipeline"
    assert_rejected_by(judge(redteam_harness, CLASS, name, kernel, target), "golden")


def test_halve_double_does_not_restore_its_input(outside):
    cheat, port = outside["nt_halve_double"], outside["nt_halve_double:port"]
    assert not cheat["error"], cheat["error"]
    assert cheat["buffers"]["x"].tobytes() != port["buffers"]["x"].tobytes()  # the denormals it "restored"


def _golden(kernel: str, case: str):
    from porter.golden import corpus_dir, load_spec
    from porter.golden.store import default_store, load

    spec = load_spec(corpus_dir() / f"{kernel}.toml")
    return load(default_store(spec.path), kernel, case)


def test_one_element_constant_is_right_on_the_prompt_case(outside):
    cheat, port = outside["nt_one_element_constant:prompt"], outside["nt_one_element_constant:prompt:port"]
    assert not cheat["error"] and not port["error"], (cheat["error"], port["error"])
    want = _golden("reduce_atomic", "n8192_t256").outputs["result"]
    assert max_diff(port["buffers"]["result"], want) < 1e-3
    assert max_diff(cheat["buffers"]["result"], want) < 1e-3  # all a check of the goldens alone sees
