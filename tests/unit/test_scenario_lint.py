"""The scenario linter and loader: every mistake is found, placed, and explained."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from neuroimmune.scenarios import (
    Intervention,
    Problem,
    Scenario,
    ScenarioError,
    builtin_scenarios,
    load_scenario,
    scenario_from_dict,
    scenario_to_toml,
)
from neuroimmune.scenarios.lint import lint_scenario

KNOWN = {
    "body_weight_kg": (40.0, 150.0),
    "baseline_stress": (0.0, 1.0),
    "microbiome_health": (0.0, 1.0),
    "autoreactivity": (0.0, 6.0),
    "depression_vulnerability": (0.0, 1.0),
}

HEAD = 'name = "test"\nduration_h = 24\n'
LPS = '[[intervention]]\nagent = "lps"\namount = 2.0\nunit = "ng/kg"\n'
STRESS = '[[intervention]]\nagent = "stressor"\nintensity = 0.5\n'

MALFORMED = [
    # (id, file text, location, fragment of the message)
    ("name-not-string", 'name = 3\nduration_h = 24\n', "name", "is not a string"),
    ("name-missing", "duration_h = 24\n", "name", "missing; give the scenario a name"),
    ("duration-missing", 'name = "x"\n', "duration_h", "missing; give the simulated time"),
    ("duration-zero", 'name = "x"\nduration_h = 0\n', "duration_h", "must be > 0 (got 0)"),
    ("duration-string", 'name = "x"\nduration_h = "24"\n', "duration_h",
     "'24' is not a number"),
    ("duration-bool", 'name = "x"\nduration_h = true\n', "duration_h",
     "true (a boolean) is not a number"),
    ("duration-huge", 'name = "x"\nduration_h = 10000\n', "duration_h",
     "more than one year (8760 h)"),
    ("clock-out-of-range", HEAD + "clock_start_h = 24\n", "clock_start_h",
     "must be in [0, 24)"),
    ("output-step-too-fine", HEAD + "output_step_h = 0.0001\n", "output_step_h",
     "exceed the limit of 200,000"),
    ("unknown-top-level-key", HEAD + "duration = 5\n", "duration",
     "did you mean 'duration_h'?"),
    ("key-after-patient-table", 'name = "x"\n[patient]\nduration_h = 24\n',
     "patient.duration_h", "move it above the [patient] table"),
    ("unknown-patient-parameter", HEAD + "[patient]\nweight = 70\n", "patient.weight",
     "did you mean 'body_weight_kg'?"),
    ("patient-out-of-range", HEAD + "[patient]\nbody_weight_kg = 300\n",
     "patient.body_weight_kg", "outside the plausible range [40, 150]"),
    ("patient-not-number", HEAD + '[patient]\nbaseline_stress = "high"\n',
     "patient.baseline_stress", "'high' is not a number"),
    ("intervention-single-brackets", HEAD + '[intervention]\nagent = "lps"\n',
     "intervention", "write each intervention as a table headed [[intervention]]"),
    ("unknown-agent", HEAD + '[[intervention]]\nagent = "inflixima"\n',
     "intervention[0].agent", "did you mean 'infliximab'? use one of lps, bacteria"),
    ("missing-agent", HEAD + "[[intervention]]\nat_h = 0\n", "intervention[0].agent",
     "missing; name the agent"),
    ("unknown-intervention-key", HEAD + LPS + "at_h = 0\ndose = 1\n", "intervention[0].dose",
     "unknown intervention key 'dose'"),
    ("negative-dose", HEAD + '[[intervention]]\nagent = "lps"\namount = -2\nunit = "ng/kg"\n'
     "at_h = 0\n", "intervention[0].amount", "must be > 0 (got -2)"),
    ("missing-amount", HEAD + '[[intervention]]\nagent = "lps"\nunit = "ng/kg"\nat_h = 0\n',
     "intervention[0].amount", "missing; give the dose of lps"),
    ("bad-unit", HEAD + '[[intervention]]\nagent = "infliximab"\namount = 5\n'
     'unit = "mg/kgg"\nat_h = 0\n', "intervention[0].unit",
     "'mg/kgg' is not a unit of infliximab; use one of mg/kg, mg"),
    ("bad-route", HEAD + LPS + 'route = "oral"\nat_h = 0\n', "intervention[0].route",
     "'oral' is not a route of lps; use one of iv"),
    ("dose-without-time", HEAD + LPS, "intervention[0]", "no time given; add at_h"),
    ("at-and-from", HEAD + LPS + "at_h = 0\nfrom_h = 1\nto_h = 2\n", "intervention[0]",
     "give either at_h (a bolus) or from_h and to_h"),
    ("infusion-missing-end", HEAD + LPS + "from_h = 1\n", "intervention[0].to_h",
     "missing; an infusion needs both from_h and to_h"),
    ("intensity-on-dose", HEAD + LPS + "at_h = 0\nintensity = 1\n",
     "intervention[0].intensity", "not allowed for a dose of lps"),
    ("time-after-end", HEAD + LPS + "at_h = 30\n", "intervention[0].at_h",
     "30 h is after the end of the run (duration_h = 24)"),
    ("negative-time", HEAD + LPS + "at_h = -1\n", "intervention[0].at_h",
     "must be >= 0 (got -1)"),
    ("every-without-until", HEAD + LPS + "at_h = 0\nevery_h = 6\n",
     "intervention[0].every_h", "repeats need until_h"),
    ("until-without-every", HEAD + LPS + "at_h = 0\nuntil_h = 6\n",
     "intervention[0].until_h", "needs every_h"),
    ("until-before-first", HEAD + LPS + "at_h = 10\nevery_h = 2\nuntil_h = 5\n",
     "intervention[0].until_h", "5 h is before the first time (10 h)"),
    ("too-many-repeats", 'name = "x"\nduration_h = 8760\n' + LPS
     + "at_h = 0\nevery_h = 0.5\nuntil_h = 8760\n", "intervention[0].every_h",
     "gives 17,521 administrations"),
    ("exposure-with-amount", HEAD + STRESS + "from_h = 1\nto_h = 2\namount = 3\n",
     "intervention[0].amount", "not allowed for stressor, an exposure"),
    ("exposure-missing-window", HEAD + STRESS + "from_h = 1\n", "intervention[0].to_h",
     "needs the end of its window"),
    ("intensity-above-one", HEAD + '[[intervention]]\nagent = "vns"\nfrom_h = 0\nto_h = 1\n'
     "intensity = 1.5\n", "intervention[0].intensity", "must be in (0, 1] (got 1.5)"),
    ("window-reversed", HEAD + STRESS + "from_h = 5\nto_h = 2\n", "intervention[0].to_h",
     "must be after from_h (5 h)"),
    ("repeat-shorter-than-window", HEAD + STRESS + "from_h = 0\nto_h = 2\nevery_h = 1\n"
     "until_h = 10\n", "intervention[0].every_h", "every_h must exceed 2"),
    ("overlapping-exposures", HEAD + STRESS + "from_h = 1\nto_h = 3\n" + STRESS
     + "from_h = 2\nto_h = 4\n", "intervention[1]",
     "stressor window overlaps intervention[0] (1-3 h against 2-4 h)"),
    ("overlapping-repeats", HEAD + STRESS + "from_h = 0\nto_h = 1\nevery_h = 6\n"
     "until_h = 23\n" + STRESS + "from_h = 12.5\nto_h = 13\n", "intervention[1]",
     "overlaps intervention[0] (12-13 h against 12.5-13 h)"),
    ("overlapping-infusions", HEAD + LPS + "from_h = 0\nto_h = 2\n" + LPS
     + "from_h = 1\nto_h = 3\n", "intervention[1]", "lps window overlaps intervention[0]"),
    ("toml-syntax", 'name = "x"\nduration_h = \n', "line 2, column 14", "TOML syntax error"),
]


@pytest.mark.parametrize(("text", "location", "fragment"),
                         [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED])
def test_malformed_scenario_is_reported_with_place_and_fix(
        tmp_path: Path, text: str, location: str, fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, KNOWN)
    found = [p for p in caught.value.problems if p.location == location]
    assert found, f"no problem at {location!r}: {caught.value}"
    assert any(fragment in p.message for p in found), str(caught.value)
    assert caught.value.source == str(path)


def test_missing_file_suggests_the_catalogue(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "nope.toml", KNOWN)
    [problem] = caught.value.problems
    assert problem.location == ""
    assert "no such file" in problem.message
    assert "`neuroimmune scenarios`" in problem.message


def test_misspelt_builtin_name_suggests_close_names() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("lps_2ngk", KNOWN)
    assert "did you mean 'lps_2ngkg'" in str(caught.value)
    assert str(caught.value).startswith("lps_2ngk: ")


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "three.toml"
    path.write_text('name = "x"\nduration_h = -1\n[patient]\nautoreactivity = 9\n'
                    '[[intervention]]\nagent = "sertraline"\namount = 50\nunit = "g"\n'
                    "at_h = 0\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, KNOWN)
    locations = [p.location for p in caught.value.problems]
    assert locations == ["duration_h", "patient.autoreactivity", "intervention[0].unit"]
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"{path}: ") for line in lines)


def test_error_is_a_value_error_and_survives_pickling() -> None:
    error = ScenarioError([Problem("duration_h", "must be > 0")], "x.toml")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert copy.problems == error.problems
    assert str(copy) == "x.toml: duration_h: must be > 0"


EXPECTED_BUILTINS = {
    "baseline", "lps_2ngkg", "lps_0p8ngkg", "bacterial_infection", "viral_infection",
    "acute_stress", "chronic_stress", "antibiotic_course", "probiotic", "autoimmune_flare",
    "ifn_alpha_therapy", "hydrocortisone_lps", "dexamethasone_suppression",
    "infliximab_autoimmune", "tocilizumab_autoimmune", "sertraline_depression",
    "paroxetine_ifn", "nsaid_lps", "vns_lps", "stress_reduction",
}


def test_builtin_catalogue_lists_every_scenario_with_a_description() -> None:
    catalogue = builtin_scenarios()
    assert set(catalogue) >= EXPECTED_BUILTINS
    assert list(catalogue) == sorted(catalogue)
    assert all(text and "\n" not in text for text in catalogue.values())


@pytest.mark.parametrize("name", sorted(EXPECTED_BUILTINS))
def test_builtin_scenario_loads_cleanly(name: str) -> None:
    scenario = load_scenario(name, KNOWN)
    assert scenario.name and scenario.description
    assert scenario.duration_h > 0


@pytest.mark.parametrize("name", sorted(EXPECTED_BUILTINS))
def test_builtin_scenario_round_trips_through_toml(tmp_path: Path, name: str) -> None:
    original = load_scenario(name, KNOWN)
    path = tmp_path / f"{name}.toml"
    path.write_text(scenario_to_toml(original))
    assert load_scenario(path, KNOWN) == original


def test_round_trip_keeps_awkward_text_and_numbers(tmp_path: Path) -> None:
    original = Scenario(
        name='A "quoted" name \\ with a backslash',
        description="two\nlines\tand a tab",
        duration_h=36.5,
        clock_start_h=23.75,
        output_step_h=0.1,
        patient={"body_weight_kg": 72.3, "microbiome_health": 0.35},
        interventions=(
            Intervention("lps", amount=1e-3, unit="ng", route="iv", from_h=0.1, to_h=0.35),
            Intervention("probiotic", amount=1e10, unit="CFU", route="oral", at_h=1,
                         every_h=1.0 / 3.0, until_h=30),
            Intervention("vns", from_h=2, to_h=2.5, intensity=0.3),
        ),
    )
    path = tmp_path / "awkward.toml"
    path.write_text(scenario_to_toml(original))
    assert load_scenario(path, KNOWN) == original


def test_scenario_from_dict_fills_defaults() -> None:
    scenario = scenario_from_dict(
        {"name": "x", "duration_h": 10, "intervention": [
            {"agent": "infliximab", "amount": 5, "unit": "mg/kg", "at_h": 0}]},
        KNOWN)
    assert scenario.clock_start_h == 8.0
    assert scenario.interventions[0].route == "iv"
    assert isinstance(scenario.duration_h, float)


def test_scenario_from_dict_names_its_source() -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"name": "x"}, KNOWN, source="my_study")
    assert str(caught.value) == ("my_study: duration_h: missing; give the simulated time span "
                                 "in hours, e.g. duration_h = 24")


def test_back_to_back_windows_do_not_overlap() -> None:
    scenario = scenario_from_dict(
        {"name": "x", "duration_h": 48, "intervention": [
            {"agent": "stressor", "from_h": 0, "to_h": 1, "intensity": 1},
            {"agent": "stressor", "from_h": 1, "to_h": 2, "intensity": 0.5,
             "every_h": 24, "until_h": 48}]},
        KNOWN)
    assert len(scenario.interventions) == 2


def test_absurd_repeat_schedule_is_a_problem_not_a_crash():
    data = {"name": "x", "duration_h": 24, "intervention": [
        {"agent": "lps", "amount": 1.0, "unit": "ng/kg", "at_h": 0.0,
         "every_h": 1e-300, "until_h": 1e300}]}
    problems = lint_scenario(data, KNOWN)
    assert any(p.location.startswith("intervention[0]") for p in problems)
