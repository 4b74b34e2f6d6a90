"""The profile database and its views, from a Kineto trace in the format torch.profiler exports and
from Nsight Compute's raw CSV page."""

import json
import sqlite3
from pathlib import Path

import pytest

from porter.profile import ncu, store, torch_trace, views

FIXTURES = Path(__file__).parent / "fixtures"
SGEMM = "ampere_sgemm_64x32_sliced1x4_nn"


@pytest.fixture
def kineto_db(tmp_path):
    trace = json.loads((FIXTURES / "kineto_small.json").read_text())
    totals = {SGEMM: (2, 26000), "Memcpy HtoD (Pageable -> Device)": (1, 3000)}
    fill = ("void at::native::vectorized_elementwise_kernel<4, at::native::FillFunctor<float>, "
            "std::array<char*, 1ul> >(int, at::native::FillFunctor<float>, std::array<char*, 1ul>)")
    totals[fill] = (1, 1750)
    path = store.write(torch_trace.profile_from_trace(trace, {"gpu": "test"}, totals), tmp_path / "p.db")
    return store.open_profile(path)


def test_a_kineto_trace_becomes_kernels_memops_and_api_calls(kineto_db):
    rows = kineto_db.execute("SELECT name, base_name, start_ns, duration_ns, grid_x, grid_y, block_x, registers, "
                             "shared_bytes, stream FROM kernels ORDER BY start_ns").fetchall()
    assert rows[0] == (SGEMM, SGEMM, 10250, 12500, 4, 8, 128, 128, 16384, 7)  # ns from the first event (1000 us)
    assert rows[1][1] == "vectorized_elementwise_kernel"
    assert len(rows) == 3
    assert kineto_db.execute("SELECT kind, bytes FROM memops ORDER BY start_ns").fetchall() == [
        ("memcpy HtoD", 4096), ("memset", 512)]
    assert kineto_db.execute("SELECT name, correlation FROM api_calls").fetchall() == [("cudaLaunchKernel", 7)]
    assert store.metadata(kineto_db)["gpu"] == "test"


def test_top_orders_by_total_time_with_share_mean_and_p90(kineto_db):
    table = views.top(kineto_db)
    first = table.records()[0]
    assert first == {"kernel": SGEMM, "share_%": round(100 * 26000 / 27750, 2), "launches": 2, "total_us": 26.0,
                     "mean_us": 13.0, "p90_us": 13.5}
    assert sum(r["share_%"] for r in table.records()) == pytest.approx(100, abs=0.02)
    assert [r["kernel"] for r in views.top(kineto_db, by="base_name").records()] == [
        SGEMM, "vectorized_elementwise_kernel"]


def test_verify_matches_and_flags_a_total_that_differs(kineto_db, tmp_path):
    rows = views.verify(kineto_db).records()
    assert all(r["relative_difference"] == 0 for r in rows)
    # a profiler total the database disagrees with by 10% is reported
    trace = json.loads((FIXTURES / "kineto_small.json").read_text())
    bad = store.write(torch_trace.profile_from_trace(trace, {}, {SGEMM: (2, 28600)}), tmp_path / "bad.db")
    sgemm = next(r for r in views.verify(store.open_profile(bad)).records() if r["kernel"] == SGEMM)
    assert sgemm["relative_difference"] == pytest.approx(0.0909, abs=1e-3)


def test_verify_reports_a_kernel_the_database_lost(tmp_path):
    trace = json.loads((FIXTURES / "kineto_small.json").read_text())
    path = store.write(torch_trace.profile_from_trace(trace, {}, {"lost_kernel": (1, 500)}), tmp_path / "p.db")
    lost = next(r for r in views.verify(store.open_profile(path)).records() if r["kernel"] == "lost_kernel")
    assert lost["database_us"] == 0 and lost["relative_difference"] == 1.0


def test_queries_are_read_only(kineto_db):
    assert views.query(kineto_db, "SELECT COUNT(*) AS n FROM kernels").records() == [{"n": 3}]
    with pytest.raises(sqlite3.OperationalError):
        views.query(kineto_db, "DELETE FROM kernels")


def test_ncu_csv_gives_durations_geometry_bytes_and_flops(tmp_path):
    profile = ncu.profile_from_csv((FIXTURES / "ncu_raw.csv").read_text())
    assert [k.base_name for k in profile.kernels] == ["saxpy", "softmax_rows", "saxpy"]
    saxpy = profile.kernels[0]
    assert (saxpy.duration_ns, saxpy.grid_x, saxpy.block_x, saxpy.registers) == (21504, 16384, 256, 16)
    assert saxpy.dram_bytes == 33554432 + 16777216 and saxpy.flops == 2 * 4194304
    assert profile.kernels[1].shared_bytes == 1024 and profile.kernels[1].flops == 8388608 + 4194304
    assert [k.start_ns for k in profile.kernels] == [0, 21504, 51504]  # laid end to end
    db = store.open_profile(store.write(profile, tmp_path / "n.db"))
    roof = views.roofline(db, peak_tflops=60.0, peak_tbps=3.0).records()
    saxpy_row = next(r for r in roof if r["kernel"].startswith("saxpy"))
    assert saxpy_row["launches"] == 2 and saxpy_row["flop_per_byte"] == pytest.approx(2 * 8388608 / (2 * 50331648), rel=1e-3)
    assert 0 < saxpy_row["fraction_of_roof"] <= 1


def test_opening_something_else_is_a_clear_error(tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(store.NotAProfile, match="not a porter profile"):
        store.open_profile(other)
    with pytest.raises(store.NotAProfile, match="no such file"):
        store.open_profile(tmp_path / "missing.db")
    (tmp_path / "text.db").write_text("hello")
    with pytest.raises(store.NotAProfile):
        store.open_profile(tmp_path / "text.db")
