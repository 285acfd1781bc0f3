"""``neuroimmune population``: results on disk, and exit status 2 on user mistakes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from neuroimmune.population.command import population


def invoke(*args: str):
    return CliRunner().invoke(population, list(args))


def test_small_run_in_process(tmp_path):
    result = invoke("lps_2ngkg", "--n", "4", "--seed", "1", "--out", str(tmp_path),
                    "--workers", "0", "--chunk-size", "2", "--no-plot", "--quiet")
    assert result.exit_code == 0, result.output
    assert "4 patients" in result.output
    assert (tmp_path / "outcomes.parquet").exists() and (tmp_path / "patients.parquet").exists()
    again = invoke("lps_2ngkg", "--n", "4", "--seed", "2", "--out", str(tmp_path),
                   "--workers", "0", "--chunk-size", "2", "--resume", "--quiet")
    assert again.exit_code == 2
    assert "different run" in again.output


@pytest.mark.parametrize(("args", "message"), [
    (("no_such_scenario", "--n", "3"), "no_such_scenario"),
    (("lps_2ngkg", "--n", "0"), "--n must be at least 1"),
    (("lps_2ngkg", "--n", "3", "--chunk-size", "0"), "--chunk-size"),
    (("lps_2ngkg", "--n", "3", "--workers", "-1"), "--workers"),
    (("lps_2ngkg", "--n", "3", "--engine", "batched", "--threads", "0"), "--threads"),
    (("lps_2ngkg", "--n", "3", "--scheduler", "nonsense://nowhere"), "cannot start Dask"),
])
def test_user_mistakes_exit_2_with_a_message(tmp_path, args, message):
    result = invoke(*args, "--out", str(tmp_path / "out"), "--quiet")
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_existing_run_needs_resume(tmp_path):
    (tmp_path / "manifest.json").write_text('{"run_id": "x"}')
    result = invoke("lps_2ngkg", "--n", "2", "--out", str(tmp_path), "--workers", "0", "--quiet")
    assert result.exit_code == 2
    assert "--resume" in result.output


def test_batched_engine_run_agrees_with_the_default_engine(tmp_path):
    """The same patients through ``--engine batched`` and the default engine: the
    per-patient outcomes agree to the batched engine's stated tolerance (1e-3 of each
    outcome's largest value)."""
    pytest.importorskip("jax")
    import numpy as np
    import pandas as pd

    runs = {}
    for engine in ("roadrunner", "batched"):
        out = tmp_path / engine
        result = invoke("lps_2ngkg", "--n", "3", "--seed", "3", "--out", str(out),
                        "--workers", "0", "--engine", engine, "--no-plot", "--quiet")
        assert result.exit_code == 0, result.output
        runs[engine] = pd.read_parquet(out / "outcomes.parquet").set_index("patient_id")
    default, batched = runs["roadrunner"], runs["batched"]
    assert (batched["error"] == "").all()
    for column in ("TNF_pg_mL.peak", "IL6_pg_mL.auc", "cortisol_nmol_L.peak", "hamd.final",
                   "microglia_activation.baseline"):
        scale = default[column].abs().max()
        np.testing.assert_allclose(batched[column], default[column], atol=1e-3 * scale, rtol=0)
