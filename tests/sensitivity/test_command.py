"""``neuroimmune sensitivity``: files on disk, and exit status 2 on user mistakes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from neuroimmune.sensitivity.command import sensitivity


def invoke(*args: str):
    return CliRunner().invoke(sensitivity, list(args))


def test_small_morris_run_in_process(tmp_path):
    result = invoke("lps_2ngkg", "--outcome", "TNF_pg_mL:peak", "--method", "morris", "--n", "2",
                    "--parameters", "p_TNF_monocyte,k_CRP", "--workers", "0", "--quiet",
                    "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "6 model runs" in result.output
    assert "TNF_pg_mL:peak: top mu_star: p_TNF_monocyte" in result.output
    assert {p.name for p in tmp_path.iterdir()} == {
        "indices.csv", "summary.json", "evaluations.parquet", "indices.png"}
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["method"] == "morris" and summary["evaluations"] == 6
    assert summary["outcomes"]["TNF_pg_mL:peak"]["ranking"][0] == "p_TNF_monocyte"


@pytest.mark.parametrize(("args", "message"), [
    (("--parameters", "p_TNF_monocyt"), "unknown parameter 'p_TNF_monocyt'; did you mean"),
    (("--parameters", "pg_per_ng"), "no range to vary over"),
    (("--parameters", ","), "name parameters separated by commas"),
    (("--outcome", "TNF:peak"), "unknown observable 'TNF'"),
    (("--outcome", "TNF_pg_mL:highest"), "unknown metric 'highest'"),
    (("--outcome", "TNF_pg_mL"), "write OBSERVABLE:METRIC"),
    (("--n", "100"), "power of 2"),
    (("--n", "0"), "power of 2"),
    (("--method", "morris", "--n", "1"), "at least 2 trajectories"),
    (("--seed", "-1"), "--seed must be 0 or more"),
    (("--workers", "-1"), "--workers"),
    (("--chunk-size", "0"), "--chunk-size"),
    (("--scheduler", "nonsense://nowhere"), "cannot start Dask"),
])
def test_user_mistakes_exit_2_with_a_message(tmp_path, args, message):
    base = {"--outcome": "TNF_pg_mL:peak", "--parameters": "k_TNF", "--n": "4", "--workers": "0"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    options = [item for key, value in (base | given).items() for item in (key, value)]
    result = invoke("lps_2ngkg", *options, "--quiet", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_unknown_scenario_and_missing_outcome_exit_2(tmp_path):
    result = invoke("no_such_scenario", "--outcome", "TNF_pg_mL:peak", "--parameters", "k_TNF",
                    "--n", "4", "--workers", "0", "--quiet", "--out", str(tmp_path))
    assert result.exit_code == 2 and "no_such_scenario" in result.output
    missing = invoke("lps_2ngkg", "--out", str(tmp_path))
    assert missing.exit_code == 2 and "--outcome" in missing.output
