"""The command line: results on disk, and clean exits with status 2 on user mistakes."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from neuroimmune.cli import main
from neuroimmune.observables import OBSERVABLE_NAMES
from neuroimmune.scenarios import builtin_scenarios


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_run_writes_timecourse_summary_and_figure(tmp_path):
    result = invoke("run", "lps_2ngkg", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "timecourse.csv")
    assert list(table.columns) == ["time_h", *OBSERVABLE_NAMES]
    assert table["time_h"].iloc[-1] == 24.0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert 1.0 <= summary["observables"]["TNF_pg_mL"]["time_of_peak_h"] <= 2.5
    assert (tmp_path / "out" / "timecourse.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_set_overrides_a_parameter(tmp_path):
    invoke("run", "lps_2ngkg", "--out", str(tmp_path / "a"), "--no-plot")
    invoke("run", "lps_2ngkg", "--out", str(tmp_path / "b"), "--no-plot",
           "--set", "p_TNF_monocyte=1000")
    peak_a = pd.read_csv(tmp_path / "a" / "timecourse.csv")["TNF_pg_mL"].max()
    peak_b = pd.read_csv(tmp_path / "b" / "timecourse.csv")["TNF_pg_mL"].max()
    assert peak_b < peak_a


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "lps_2ngkg", "--out", "x", "--set", "TNF_halflife=3"], "unknown parameter"),
        (["run", "lps_2ngkg", "--out", "x", "--set", "baseline_stress"], "NAME=VALUE"),
        (["run", "lps_2ngkg", "--out", "x", "--set", "baseline_stress=high"], "not a number"),
        (["run", "no_such_scenario", "--out", "x"], "neuroimmune scenarios"),
    ],
)
def test_user_mistakes_exit_2_with_a_message(tmp_path, args, fragment):
    result = invoke(*[a if a != "x" else str(tmp_path / "x") for a in args])
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_bad_scenario_file_lists_every_problem_and_writes_nothing(tmp_path):
    scenario = tmp_path / "bad.toml"
    scenario.write_text(
        'name = "bad"\nduration_h = -5\n\n[[intervention]]\nagent = "infliximab"\n'
        'amount = 5\nunit = "mg/kgg"\nat_h = 0\n'
    )
    out = tmp_path / "out"
    result = invoke("run", str(scenario), "--out", str(out))
    assert result.exit_code == 2
    assert "duration_h" in result.output
    assert "intervention[0].unit" in result.output and "mg/kg" in result.output
    assert not out.exists()


def test_existing_results_survive_a_failed_run(tmp_path):
    out = tmp_path / "out"
    assert invoke("run", "baseline", "--out", str(out), "--no-plot").exit_code == 0
    before = (out / "timecourse.csv").read_bytes()
    assert invoke("run", "baseline", "--out", str(out), "--set", "nope=1").exit_code == 2
    assert (out / "timecourse.csv").read_bytes() == before


def test_scenarios_lists_every_builtin():
    result = invoke("scenarios")
    assert result.exit_code == 0
    for name in builtin_scenarios():
        assert name in result.output


def test_export_sbml_writes_a_model(tmp_path):
    result = invoke("export-sbml", str(tmp_path / "model.xml"))
    assert result.exit_code == 0
    assert "<sbml" in (tmp_path / "model.xml").read_text()[:500]


def test_console_script_runs_without_traceback(tmp_path):
    """The installed entry point behaves like the click runner (no debug output)."""
    completed = subprocess.run(
        [sys.executable, "-m", "neuroimmune.cli", "lint", str(tmp_path / "missing.toml")],
        capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr


def test_override_outside_its_range_is_run_but_flagged(tmp_path):
    result = CliRunner().invoke(main, ["run", "baseline", "--out", str(tmp_path / "o"),
                                       "--no-plot", "--set", "body_weight_kg=200"])
    assert result.exit_code == 0
    assert "outside its plausible range [40, 150] kg" in result.output
