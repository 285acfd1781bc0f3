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
