"""Summary numbers against analytic values, atomic writes, and the overview figure.

The result is built by hand so these tests pin the analysis and plotting code alone,
independent of the model and the engine.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

import neuroimmune.analysis.summary as summary_module
from neuroimmune.analysis.summary import summarize, write_summary
from neuroimmune.observables import BY_NAME, OBSERVABLE_NAMES
from neuroimmune.plotting import plot_timecourse
from neuroimmune.plotting.interventions import InterventionMark, intervention_marks
from neuroimmune.plotting.timecourse import PANEL_ORDER
from neuroimmune.result import SimulationResult
from neuroimmune.scenarios.model import Intervention, Scenario

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DURATION_H = 24.0
TNF_BASE, TNF_PEAK, TNF_AT_H, TNF_SD_H = 1.0, 500.0, 2.0, 0.25
"""A bump 8 SD after t = 0, so the value at t = 0 is the base to 1e-11."""


def _gaussian_area(t0: float, t1: float) -> float:
    """Exact area of the TNF bump above its base between t0 and t1."""
    amplitude = TNF_PEAK - TNF_BASE
    scale = TNF_SD_H * math.sqrt(2.0)
    return amplitude * TNF_SD_H * math.sqrt(math.pi / 2.0) * (
        math.erf((t1 - TNF_AT_H) / scale) - math.erf((t0 - TNF_AT_H) / scale))


@pytest.fixture
def result() -> SimulationResult:
    t = np.linspace(0.0, DURATION_H, 2401)
    values = {name: np.full_like(t, 1.0) for name in OBSERVABLE_NAMES}
    values["TNF_pg_mL"] = TNF_BASE + (TNF_PEAK - TNF_BASE) * np.exp(
        -0.5 * ((t - TNF_AT_H) / TNF_SD_H) ** 2)
    values["cortisol_nmol_L"] = 300.0 - 100.0 * np.sin(2 * np.pi * t / 24.0)
    scenario = Scenario(
        "Synthetic endotoxin challenge", DURATION_H, 8.0,
        interventions=(
            Intervention("lps", 2.0, "ng/kg", at_h=0.0),
            Intervention("hydrocortisone", 100.0, "mg", from_h=6.0, to_h=8.0),
            Intervention("stressor", from_h=12.0, to_h=13.0, intensity=0.5),
        ),
    )
    return SimulationResult(scenario, t, values)


def test_summary_matches_analytic_bump(result: SimulationResult) -> None:
    s = summarize(result)
    tnf = s["observables"]["TNF_pg_mL"]
    assert tnf["peak"] == pytest.approx(TNF_PEAK)
    assert tnf["time_of_peak_h"] == pytest.approx(TNF_AT_H)
    assert tnf["baseline"] == pytest.approx(TNF_BASE, rel=1e-6)
    assert tnf["final"] == pytest.approx(TNF_BASE)
    expected_excess = _gaussian_area(0.0, DURATION_H)
    assert tnf["auc"] == pytest.approx(TNF_BASE * DURATION_H + expected_excess, rel=0.01)
    assert tnf["auc_above_baseline"] == pytest.approx(expected_excess, rel=0.01)
    assert tnf["unit"] == "pg/mL"
    assert tnf["auc_unit"] == "pg/mL*h"

    cortisol = s["observables"]["cortisol_nmol_L"]
    assert cortisol["minimum"] == pytest.approx(200.0, rel=1e-4)
    assert cortisol["time_of_minimum_h"] == pytest.approx(6.0)


def test_summary_is_plain_json_with_every_observable(result: SimulationResult) -> None:
    s = summarize(result)
    assert list(s["observables"]) == list(OBSERVABLE_NAMES)
    assert s["scenario"] == "Synthetic endotoxin challenge"
    assert s["duration_h"] == DURATION_H
    assert s["clock_start_h"] == 8.0
    assert s["n_points"] == result.time_h.size
    assert json.loads(json.dumps(s, allow_nan=False)) == s
    for name, entry in s["observables"].items():
        assert entry["unit"] == BY_NAME[name].unit
        assert all(type(v) in (float, str) for v in entry.values())


def test_area_above_baseline_splits_segments_at_crossings() -> None:
    """max(y, 0) of a piecewise-linear curve: clipping samples first would give 1.0."""
    t = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([0.0, 1.0, -1.0, 0.0])
    assert summary_module._positive_area(y, t) == pytest.approx(0.75)


def test_non_finite_values_become_null(result: SimulationResult) -> None:
    values = dict(result.values)
    values["IL6_pg_mL"] = np.full_like(result.time_h, np.nan)
    broken = SimulationResult(result.scenario, result.time_h, values)
    entry = summarize(broken)["observables"]["IL6_pg_mL"]
    assert entry["peak"] is None
    assert entry["auc"] is None


def test_write_summary_is_valid_json_and_leaves_no_temp_files(
        result: SimulationResult, tmp_path) -> None:
    path = write_summary(result, tmp_path / "summary.json")
    assert json.loads(path.read_text())["observables"]["TNF_pg_mL"]["peak"] == TNF_PEAK
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_write_summary_failure_keeps_old_file(
        result: SimulationResult, tmp_path, monkeypatch) -> None:
    path = tmp_path / "summary.json"
    path.write_text("{}")

    def fail(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(summary_module.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_summary(result, path)
    assert path.read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def _panels(fig) -> dict:
    return {ax.get_title(loc="left"): ax for ax in fig.axes
            if ax.get_title(loc="left") in PANEL_ORDER}


def test_plot_writes_png_with_seven_labelled_panels(result: SimulationResult, tmp_path) -> None:
    path = tmp_path / "timecourse.png"
    fig = plot_timecourse(result, path)
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert [p.name for p in tmp_path.iterdir()] == ["timecourse.png"]

    panels = _panels(fig)
    assert list(panels) == list(PANEL_ORDER)
    for group, ax in panels.items():
        units = {o.unit for o in BY_NAME.values() if o.group == group}
        labels = {a.get_ylabel() for a in fig.axes if a.bbox.bounds == ax.bbox.bounds}
        assert units <= labels, (group, units, labels)
    assert panels["Cytokines"].get_yscale() == "log"
    assert panels["Pathogen"].get_yscale() == "log"
    assert panels["HPA axis"].get_yscale() == "linear"
    assert panels["Brain"].get_xlabel() == "time since start (h)"
    timeline = next(ax for ax in fig.axes if ax.get_title(loc="left") == "Interventions")
    assert [t.get_text() for t in timeline.get_yticklabels()] == [
        "stressor", "hydrocortisone", "lps"]
    assert "08:00" in fig.get_suptitle()


def test_plot_long_runs_in_days_and_subsets(result: SimulationResult) -> None:
    t = np.linspace(0.0, 24.0 * 14, 14 * 24 + 1)
    values = {name: np.ones_like(t) for name in OBSERVABLE_NAMES}
    scenario = Scenario("Two weeks", t[-1], 7.5, interventions=(
        Intervention("sertraline", 50.0, "mg", at_h=0.0, every_h=24.0),))
    fig = plot_timecourse(SimulationResult(scenario, t, values),
                          observables=["TNF_pg_mL", "cortisol_nmol_L"])
    panels = _panels(fig)
    assert list(panels) == ["Cytokines", "HPA axis"]
    assert panels["HPA axis"].get_xlabel() == "time since start (days)"
    assert panels["HPA axis"].get_xlim() == pytest.approx((0.0, 14.0))
    with pytest.raises(ValueError, match="unknown observables"):
        plot_timecourse(result, observables=["TNF"])


def test_importing_plotting_does_not_import_matplotlib() -> None:
    code = ("import sys, neuroimmune.plotting, neuroimmune.analysis.summary; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def _scenario(*interventions: Intervention, duration_h: float = 100.0) -> Scenario:
    return Scenario("marks", duration_h, interventions=interventions)


def test_marks_expand_repeats_inclusive_of_until() -> None:
    marks = intervention_marks(_scenario(
        Intervention("infliximab", 5.0, "mg/kg", at_h=0.0, every_h=24.0, until_h=72.0)))
    assert marks == [InterventionMark("infliximab", h, None) for h in (0.0, 24.0, 48.0, 72.0)]


def test_marks_repeat_to_the_end_without_until_and_clip_spans() -> None:
    marks = intervention_marks(_scenario(
        Intervention("sertraline", 50.0, "mg", at_h=10.0, every_h=30.0),
        Intervention("stressor", from_h=90.0, to_h=120.0, intensity=1.0),
        Intervention("nsaid", 400.0, "mg", at_h=150.0),
    ))
    assert [m.start_h for m in marks if m.agent == "sertraline"] == [10.0, 40.0, 70.0, 100.0]
    assert InterventionMark("stressor", 90.0, 100.0) in marks
    assert not any(m.agent == "nsaid" for m in marks)
    assert [m.start_h for m in marks] == sorted(m.start_h for m in marks)


def test_marks_repeat_exposure_windows() -> None:
    marks = intervention_marks(_scenario(
        Intervention("vns", from_h=8.0, to_h=9.0, intensity=0.5, every_h=24.0, until_h=60.0)))
    assert marks == [InterventionMark("vns", s, s + 1.0) for s in (8.0, 32.0, 56.0)]


def test_marks_are_capped_per_agent() -> None:
    marks = intervention_marks(_scenario(
        Intervention("antibiotic", 500.0, "mg", at_h=0.0, every_h=0.1),
        Intervention("antibiotic", 500.0, "mg", at_h=0.05, every_h=0.1),
        Intervention("lps", 2.0, "ng/kg", at_h=1.0),
        duration_h=1000.0))
    assert sum(m.agent == "antibiotic" for m in marks) == 200
    assert sum(m.agent == "lps" for m in marks) == 1
