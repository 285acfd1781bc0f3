"""Which parameters vary over what, and how outcomes are named: no simulation needed."""

from __future__ import annotations

import numpy as np
import pytest

import neuroimmune.sensitivity as sensitivity
from neuroimmune.model.compose import compose
from neuroimmune.population.outcomes import METRICS
from neuroimmune.sensitivity import (
    DEFAULT_PARAMETERS,
    SensitivityError,
    define_problem,
    parse_outcome,
)


def test_public_api_is_importable():
    for name in sensitivity.__all__:
        assert getattr(sensitivity, name) is not None


def test_default_problem_spans_subsystems_within_plausible_ranges():
    problem = define_problem()
    assert problem.names == DEFAULT_PARAMETERS
    assert 10 <= len(problem) <= 20
    assert len({p.subsystem for p in problem.parameters}) >= 5
    known = compose().parameters
    for p in problem.parameters:
        assert (p.low, p.high) == (known[p.name].low, known[p.name].high)


def test_log_uniform_only_for_positive_ranges_over_a_decade():
    problem = define_problem(["p_TNF_monocyte", "k_CRP", "tnf_monocyte_gain", "il10_monocyte_ic50",
                              "tnf_monocyte_ec50"])
    scale = {p.name: p.distribution for p in problem.parameters}
    assert scale == {"p_TNF_monocyte": "log-uniform",   # [100, 1e6]
                     "k_CRP": "uniform",                 # [0.025, 0.05]
                     "tnf_monocyte_gain": "uniform",     # [0, 3]: zero lower bound
                     "il10_monocyte_ic50": "log-uniform",  # [4, 100]
                     "tnf_monocyte_ec50": "log-uniform"}   # [20, 500]
    assert problem.salib()["bounds"][0] == pytest.approx([2.0, 6.0])
    corners = problem.to_values(np.array([[lo for lo, _ in problem.salib()["bounds"]],
                                          [hi for _, hi in problem.salib()["bounds"]]]))
    assert corners[0] == pytest.approx([p.low for p in problem.parameters])
    assert corners[1] == pytest.approx([p.high for p in problem.parameters])


def test_every_unusable_parameter_is_reported_at_once():
    with pytest.raises(SensitivityError) as caught:
        define_problem(["p_TNF_monocyt", "pg_per_ng", "LPS_infusion_rate", "k_TNF", "k_TNF"])
    message = str(caught.value)
    assert "unknown parameter 'p_TNF_monocyt'; did you mean p_TNF_monocyte" in message
    assert "'pg_per_ng' has no range" in message
    assert "'LPS_infusion_rate' is a scenario input" in message
    assert "'k_TNF' is listed twice" in message


@pytest.mark.parametrize(("text", "message"), [
    ("TNF_pg_mL", "write OBSERVABLE:METRIC"),
    ("TNF:peak", "unknown observable 'TNF'; did you mean TNF_pg_mL"),
    ("TNF_pg_mL:max", "unknown metric 'max'"),
])
def test_bad_outcomes_are_refused_with_the_choices(text, message):
    with pytest.raises(SensitivityError, match=message):
        parse_outcome(text)


def test_outcome_names_match_the_population_columns():
    outcome = parse_outcome(" hamd : final ")
    assert (outcome.label, outcome.column) == ("hamd:final", "hamd.final")
    assert parse_outcome("TNF_pg_mL:auc").unit == "(pg/mL)*h"
    assert {parse_outcome(f"TNF_pg_mL:{m}").metric for m in METRICS} == set(METRICS)
