"""The epinephrine agent: units, route and infusion reach the plasma epinephrine state."""

from __future__ import annotations

import pytest

from neuroimmune.model.agents import AGENTS, infusion_parameter
from neuroimmune.model.compose import compose
from neuroimmune.scenarios import ScenarioError, scenario_from_dict
from neuroimmune.scenarios.schedule import scenario_events

DEFAULTS = compose().default_values()


def _events(intervention: dict, **patient: float):
    scenario = scenario_from_dict({"name": "t", "duration_h": 12, "intervention": [intervention]})
    return scenario_events(scenario, {**DEFAULTS, **patient})


def test_epinephrine_enters_plasma_epinephrine_by_vein():
    agent = AGENTS["epinephrine"]
    assert agent.kind == "dose" and agent.default_route == "iv"
    assert agent.routes["iv"].target == "EPI"
    assert set(agent.units) == {"ug/kg", "ug"}


def test_a_bolus_per_kg_becomes_pg_per_mL_of_the_distribution_volume():
    (event,) = _events({"agent": "epinephrine", "amount": 1.0, "unit": "ug/kg", "at_h": 1.0})
    # 1 ug/kg into 172 mL/kg: 1e6 pg / 172 mL, whatever the weight
    assert event.kind == "add_state" and event.target == "EPI"
    assert event.value == pytest.approx(1e6 / DEFAULTS["epinephrine_V_mL_per_kg"])
    (heavy,) = _events({"agent": "epinephrine", "amount": 1.0, "unit": "ug/kg", "at_h": 1.0},
                       body_weight_kg=100.0)
    assert heavy.value == pytest.approx(event.value)


def test_a_fixed_dose_is_diluted_by_body_weight():
    (light,) = _events({"agent": "epinephrine", "amount": 70.0, "unit": "ug", "at_h": 0.0})
    (heavy,) = _events({"agent": "epinephrine", "amount": 70.0, "unit": "ug", "at_h": 0.0},
                       body_weight_kg=140.0)
    assert light.value == pytest.approx(1e6 / DEFAULTS["epinephrine_V_mL_per_kg"])
    assert heavy.value == pytest.approx(light.value / 2)


def test_an_infusion_sets_a_constant_rate_over_its_window():
    # 30 ng/kg/min for 3 h = 5.4 ug/kg
    start, stop = _events({"agent": "epinephrine", "amount": 5.4, "unit": "ug/kg",
                           "from_h": 0.0, "to_h": 3.0})
    rate = 5.4e6 / DEFAULTS["epinephrine_V_mL_per_kg"] / 3.0
    assert start.kind == stop.kind == "add_parameter"
    assert start.target == stop.target == infusion_parameter("EPI")
    assert (start.time_h, start.value) == pytest.approx((0.0, rate))
    assert (stop.time_h, stop.value) == pytest.approx((3.0, -rate))


@pytest.mark.parametrize(("key", "value", "fragment"), [
    ("unit", "ng/kg/min", "'ng/kg/min' is not a unit of epinephrine; use one of ug/kg, ug"),
    ("route", "oral", "'oral' is not a route of epinephrine; use one of iv"),
])
def test_a_wrong_unit_or_route_is_explained(key: str, value: str, fragment: str):
    intervention = {"agent": "epinephrine", "amount": 1.0, "unit": "ug/kg", "at_h": 0.0,
                    key: value}
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"name": "t", "duration_h": 12, "intervention": [intervention]})
    assert any(fragment in problem.message and problem.location == f"intervention[0].{key}"
               for problem in caught.value.problems), str(caught.value)
