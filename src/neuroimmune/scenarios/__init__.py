"""Scenarios: what happens to a virtual patient, and when, as validated TOML data."""

from neuroimmune.scenarios.lint import Problem
from neuroimmune.scenarios.loader import (
    ScenarioError,
    builtin_scenarios,
    load_scenario,
    scenario_from_dict,
    scenario_to_toml,
)
from neuroimmune.scenarios.model import Intervention, Scenario

__all__ = [
    "Intervention",
    "Problem",
    "Scenario",
    "ScenarioError",
    "builtin_scenarios",
    "load_scenario",
    "scenario_from_dict",
    "scenario_to_toml",
]
