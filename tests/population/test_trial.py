"""Virtual trials: file checks, enrolment, paired estimates with CIs, strata, the command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from neuroimmune.population import RunSettings
from neuroimmune.population.command import trial as trial_command
from neuroimmune.population.trial import TrialError, _estimates, load_trial, run_trial

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "trials"

TRIAL = """
name = "small test trial"
patients_per_arm = 6
seed = 5
screened = 12
inclusion = ["hamd < 30"]

[[arm]]
name = "control"
[arm.scenario]
name = "rest"
duration_h = 6
output_step_h = 0.25

[[arm]]
name = "endotoxin"
[arm.scenario]
name = "lps"
duration_h = 6
output_step_h = 0.25
[[arm.scenario.intervention]]
agent = "lps"
amount = 2.0
unit = "ng/kg"
at_h = 0

[[outcome]]
name = "fever_of_cytokines"
kind = "incidence"
observable = "TNF_pg_mL"
threshold = 50
window_h = [0, 6]

[[outcome]]
name = "il6_auc"
kind = "auc"
observable = "IL6_pg_mL"

[[outcome]]
name = "cortisol_change"
kind = "change"
observable = "cortisol_nmol_L"
window_h = [0, 4]
"""


@pytest.fixture(scope="module")
def trial_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("trial") / "trial.toml"
    path.write_text(TRIAL)
    return path


@pytest.fixture(scope="module")
def document(trial_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("trial-out")
    settings = RunSettings(workers=0, chunk_size=3, progress=False, plots=False)
    return run_trial(load_trial(trial_file), out, settings, stratify=("hamd", 8.0)), out


def test_example_trials_load():
    names = sorted(p.name for p in EXAMPLES.glob("*.toml"))
    assert len(names) == 4
    for path in EXAMPLES.glob("*.toml"):
        trial = load_trial(path)
        assert len(trial.arms) == 2 and trial.outcomes


def test_bad_trial_lists_every_problem(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('patients_per_arm = 1\ninclusion = ["hamd ~ 3"]\n'
                    '[[arm]]\nscenario = "no_such"\n[[outcome]]\nkind = "mean"\nobservable = "x"\n')
    with pytest.raises(TrialError) as caught:
        load_trial(path)
    message = str(caught.value)
    for part in ("patients_per_arm", "criterion", "no_such", "kind must be", "unknown observable"):
        assert part in message


def test_outcomes_per_arm_and_between_arms(document):
    result, out = document
    assert result["enrolled"] == 6 and result["control"] == "control"
    incidence = result["outcomes"]["fever_of_cytokines"]
    assert incidence["arms"]["control"]["value"] == 0.0
    assert incidence["arms"]["endotoxin"]["value"] == 1.0
    assert incidence["arms"]["endotoxin"]["n"] == 6
    comparison = result["outcomes"]["il6_auc"]["comparisons"]["endotoxin vs control"]
    low, high = comparison["difference"]["ci95"]
    assert 0 < low <= comparison["difference"]["value"] <= high
    assert comparison["ratio"]["value"] > 10
    assert json.loads((out / "outcomes.json").read_text()) == result
    assert (out / "per_patient.parquet").exists()
    assert sum(result["strata_n"].values()) == 6
    assert set(result["strata"]) == {"hamd < 8", "hamd >= 8"}


def test_same_seed_same_estimates(document, trial_file, tmp_path):
    settings = RunSettings(workers=0, chunk_size=3, progress=False, plots=False)
    again = run_trial(load_trial(trial_file), tmp_path, settings, stratify=("hamd", 8.0))
    assert again == document[0]


@pytest.mark.parametrize("args", [("--stratify", "hamd"), ("--stratify", "nope:3"),
                                  ("--workers", "-1")])
def test_trial_command_user_mistakes_exit_2(trial_file, tmp_path, args):
    result = CliRunner().invoke(trial_command, [str(trial_file), "--out", str(tmp_path),
                                                "--workers", "0", "--quiet", *args])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output


def test_trial_command_missing_file_exits_2(tmp_path):
    result = CliRunner().invoke(trial_command, [str(tmp_path / "none.toml"), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "cannot read" in result.output


def test_no_ratio_to_a_control_that_does_not_change():
    """An untreated arm whose change is solver noise (1e-6) gives no ratio, only the
    difference; a control clearly away from zero keeps its ratio and CI."""
    rng = np.random.default_rng(0)
    flat = {"placebo": rng.normal(1e-6, 1e-7, 50), "drug": rng.normal(-0.1, 0.01, 50)}
    estimate = _estimates(flat, np.random.default_rng(1))["comparisons"]["drug vs placebo"]
    assert estimate["ratio"] == {"value": None, "ci95": [None, None]}
    assert estimate["difference"]["value"] < -0.09
    moving = {"placebo": rng.normal(-2.0, 0.1, 50), "drug": rng.normal(-3.0, 0.1, 50)}
    estimate = _estimates(moving, np.random.default_rng(1))["comparisons"]["drug vs placebo"]
    assert 1.4 < estimate["ratio"]["value"] < 1.6
    low, high = estimate["ratio"]["ci95"]
    assert low < estimate["ratio"]["value"] < high
