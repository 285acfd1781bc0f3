"""run_population: files, reproducibility, resume after an interruption, no half files."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from neuroimmune.population import PopulationError, RunSettings, run_population
from neuroimmune.population.store import RunFolder
from neuroimmune.scenarios import scenario_from_dict

N, CHUNK = 12, 3
SCENARIO = scenario_from_dict({
    "name": "short endotoxin challenge", "duration_h": 8, "clock_start_h": 8,
    "output_step_h": 0.25,
    "intervention": [{"agent": "lps", "amount": 2.0, "unit": "ng/kg", "at_h": 0}],
})


def settings(**changes) -> RunSettings:
    base = RunSettings(chunk_size=CHUNK, workers=0, progress=False, plots=False, fan_patients=5)
    return dataclasses.replace(base, **changes)


def outcomes(folder) -> pd.DataFrame:
    return pd.read_parquet(folder / "outcomes.parquet")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run, with figures."""
    out = tmp_path_factory.mktemp("reference")
    run = run_population(SCENARIO, N, 3, out, settings(plots=True))
    return run


def test_a_run_writes_every_output(reference):
    out = reference.out
    assert reference.complete and reference.failed == 0
    for name in ("patients.parquet", "outcomes.parquet", "quantiles.parquet", "summary.json",
                 "manifest.json", "fan_chart.png", "outcome_histograms.png"):
        assert (out / name).exists(), name
    assert (out / "fan_chart.png").read_bytes()[:4] == b"\x89PNG"
    table = outcomes(out)
    assert list(table["patient_id"]) == list(range(N))
    assert (table["TNF_pg_mL.peak"] > table["TNF_pg_mL.baseline"]).all()
    assert 0.5 < table["TNF_pg_mL.time_of_peak_h"].median() < 3.0
    patients = reference.patients()
    assert len(patients) == N and "body_weight_kg" in patients and "sex" in patients
    summary = reference.summary()
    assert summary["n"] == N and summary["failed_patients"] == 0
    assert summary["outcomes"]["TNF_pg_mL"]["peak"]["n"] == N
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    quantiles = pd.read_parquet(out / "quantiles.parquet")
    tnf = quantiles[quantiles["observable"] == "TNF_pg_mL"]
    assert (tnf["q05"] <= tnf["q50"]).all() and (tnf["q50"] <= tnf["q95"]).all()
    assert sorted(RunFolder(out).chunk_indices("trajectories")) == [1, 2]  # 5 fan patients


def test_same_seed_gives_identical_patients_and_outcomes(reference, tmp_path):
    again = run_population(SCENARIO, N, 3, tmp_path, settings())
    pd.testing.assert_frame_equal(again.patients(), reference.patients())
    pd.testing.assert_frame_equal(outcomes(tmp_path), outcomes(reference.out))
    assert again.run_id == reference.run_id


def test_resume_after_interruption_matches_uninterrupted_run(reference, tmp_path):
    first = run_population(SCENARIO, N, 3, tmp_path, settings(max_chunks=2))
    assert not first.complete and first.chunks_done == 2
    assert not (tmp_path / "outcomes.parquet").exists()
    with pytest.raises(PopulationError, match="resume"):
        run_population(SCENARIO, N, 3, tmp_path, settings())
    resumed = run_population(SCENARIO, N, 3, tmp_path, settings(resume=True))
    assert resumed.complete and resumed.chunks_simulated == N // CHUNK - 2
    pd.testing.assert_frame_equal(outcomes(tmp_path), outcomes(reference.out))


def test_half_written_or_foreign_chunks_are_not_taken_as_complete(reference, tmp_path):
    run_population(SCENARIO, N, 3, tmp_path, settings())
    folder = RunFolder(tmp_path)
    # a chunk cut short (as a copy interrupted outside our writer would leave it)
    data = folder.chunk_path(1).read_bytes()
    folder.chunk_path(1).write_bytes(data[: len(data) // 2])
    # a chunk from another run in the same place
    other = tmp_path.parent / (tmp_path.name + "-other")
    run_population(SCENARIO, N, 4, other, settings())
    os.replace(RunFolder(other).chunk_path(3), folder.chunk_path(3))
    # a temporary file left by a writer that was killed
    stale = folder.chunks / ".chunk-00002.parquet.abc123.tmp"
    stale.write_bytes(b"PAR1")
    resumed = run_population(SCENARIO, N, 3, tmp_path, settings(resume=True))
    assert resumed.chunks_simulated == 2  # chunks 1 and 3 again, 2 and 4 kept
    assert not stale.exists()
    pd.testing.assert_frame_equal(outcomes(tmp_path), outcomes(reference.out))


def test_resume_refuses_a_different_run(tmp_path):
    run_population(SCENARIO, N, 3, tmp_path, settings(max_chunks=1))
    with pytest.raises(PopulationError, match="different run"):
        run_population(SCENARIO, N, 99, tmp_path, settings(resume=True))


def test_resume_after_a_real_kill(reference, tmp_path):
    """SIGKILL the command mid-run, then resume: same outcomes as the uninterrupted run."""
    script = (
        "import sys\n"
        "from neuroimmune.population import run_population\n"
        "from tests.population.test_run import N, SCENARIO, settings\n"
        "run_population(SCENARIO, N, 3, sys.argv[1], settings())\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)],
                               cwd=Path(__file__).resolve().parents[2],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = RunFolder(tmp_path)
    deadline = time.monotonic() + 60
    while not folder.chunk_path(2).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert folder.chunk_path(2).exists()
    resumed = run_population(SCENARIO, N, 3, tmp_path, settings(resume=True))
    assert resumed.complete
    assert resumed.chunks_simulated <= N // CHUNK - 2
    pd.testing.assert_frame_equal(outcomes(tmp_path), outcomes(reference.out))
