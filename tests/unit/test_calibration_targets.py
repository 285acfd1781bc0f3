"""Calibration findings as likelihood terms: which findings may enter, and how they weigh."""

from __future__ import annotations

import math

import pytest

from neuroimmune.calibration.problem import ProblemError, load_problem, problem_from_spec
from neuroimmune.calibration.targets import FindingTarget, TargetError, load_targets
from neuroimmune.evidence.findings import HumanValue, Reading, load_findings


def _finding(role="calibration", human=None, low=-math.inf, high=math.inf, comparison="ratio"):
    from neuroimmune.evidence.findings import Finding

    reading = Reading("lps_2ngkg", "TNF_pg_mL", "peak", (0.0, 8.0))
    return Finding("f", "s", "p", "innate", role, reading, comparison, reading,
                   HumanValue(human), low, high, "rule")


def test_a_validation_finding_cannot_be_fitted():
    held_out = next(f for f in load_findings() if f.role == "validation" and f.trial is None)
    with pytest.raises(TargetError, match="held out for validation"):
        load_targets([held_out.id])
    with pytest.raises(ProblemError, match="held out for validation"):
        problem_from_spec({"name": "x", "description": "", "scenario": "lps_2ngkg",
                           "dataset": "lps_2ngkg_cohort_calibration", "estimate": ["k_LPS"],
                           "findings": [held_out.id]})


def test_an_unknown_finding_is_named():
    with pytest.raises(TargetError, match="unknown finding 'no_such_row'"):
        load_targets(["no_such_row"])


def test_a_reported_value_is_the_centre_and_the_bound_two_standard_deviations():
    target = FindingTarget(_finding(human=0.03, high=0.2))
    assert target.residual(0.03) == pytest.approx(0.0)
    assert target.residual(0.2) == pytest.approx(1.96)
    assert target.residual(0.1) > 0
    assert target.residual(0.01) < 0


def test_a_bound_without_a_number_costs_nothing_inside():
    target = FindingTarget(_finding(human=None, low=1.05))
    assert target.residual(1.2) == 0.0
    assert target.residual(1.05 * math.exp(-0.1)) == pytest.approx(-1.0)


def test_differences_are_scored_on_their_own_scale():
    target = FindingTarget(_finding(human=-1.6, high=-1.0, comparison="difference"))
    assert target.residual(-1.6) == pytest.approx(0.0)
    assert target.residual(-1.0) == pytest.approx(1.96)
    assert target.residual(0.0) > 1.96


def test_a_problem_adds_each_finding_term_to_the_likelihood():
    """The joint objective is the data likelihood plus the targets' terms, read from the
    other protocol at the same parameters."""
    from neuroimmune.calibration.objective import CalibrationObjective
    from neuroimmune.calibration.targets import target_nll

    spec = {"name": "x", "description": "", "scenario": "lps_2ngkg",
            "dataset": "lps_2ngkg_cohort_calibration", "estimate": ["k_LPS"]}
    alone = CalibrationObjective(problem_from_spec(spec))
    joint = CalibrationObjective(problem_from_spec({**spec, "findings": ["spinas_ibuprofen_tnf"]}))
    x = [math.log10(0.6)]
    values = joint.target_values(x)
    assert set(values) == {"spinas_ibuprofen_tnf"}
    assert joint(x) == pytest.approx(alone(x) + target_nll(joint.targets, values))


def test_the_joint_innate_fit_names_its_findings_both_ways():
    """Every finding the shipped lps_cohort problem fits lists every estimated parameter
    under ``informs``: in a joint fit each of them is set by each finding."""
    problem = load_problem("lps_cohort")
    findings = {f.id: f for f in load_findings()}
    assert problem.findings
    for finding_id in problem.findings:
        assert set(problem.estimate) <= set(findings[finding_id].informs), finding_id


def test_a_run_reports_each_finding_beside_the_model(tmp_path):
    """The calibration report shows the fit to every protocol, not only the time courses."""
    import numpy as np

    from neuroimmune.calibration.fit import FitResult
    from neuroimmune.calibration.objective import CalibrationObjective
    from neuroimmune.calibration.run import _write_targets

    spec = {"name": "x", "description": "", "scenario": "lps_2ngkg",
            "dataset": "lps_2ngkg_cohort_calibration", "estimate": ["k_LPS"],
            "findings": ["spinas_ibuprofen_tnf"]}
    problem = problem_from_spec(spec)
    objective = CalibrationObjective(problem)
    x = np.array(problem.nominal())
    fit = FitResult(problem, objective.names, x, objective(x), x[None], np.array([0.0]), {}, 1, 0)
    _write_targets(objective, fit, tmp_path)
    header, row = (tmp_path / "targets.csv").read_text().splitlines()
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    finding = objective.targets[0].finding
    model = float(cells["model"])
    assert cells["finding"] == "spinas_ibuprofen_tnf" and cells["protocol"] == "nsaid_lps"
    # written to six significant figures
    assert model == pytest.approx(objective.target_values(x)["spinas_ibuprofen_tnf"], rel=1e-5)
    assert cells["inside"] == str(finding.accepts(model))
    assert (tmp_path / "targets.png").stat().st_size > 10_000
