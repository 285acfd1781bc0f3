"""Interventions are applied exactly at their times; runs reproduce bit for bit."""

from __future__ import annotations

import contextlib
import math

import numpy as np

import neuroimmune as ni
from neuroimmune.model.compose import compose
from neuroimmune.simulation import default_engine, read_symbols
from tests.conftest import at


def states_of(result: ni.SimulationResult, states: list[str]) -> dict[str, np.ndarray]:
    """Re-run a result's scenario reading internal states (drug concentrations)."""
    return read_symbols(result, states)


def test_bolus_lands_exactly_at_an_off_grid_time(inline):
    """2 ng/kg at t = 1.234 h: plasma LPS decays from 50 pg/mL from that instant."""
    result = inline(4, [{"agent": "lps", "amount": 2.0, "unit": "ng/kg", "at_h": 1.234}],
                    output_step_h=0.001)
    k = result.parameters["k_LPS"]
    baseline = result["LPS_plasma_pg_mL"][0]
    dose = 2.0 * 1000 / result.parameters["plasma_volume_mL_per_kg"]
    before = result.time_h < 1.234
    assert np.allclose(result["LPS_plasma_pg_mL"][before], baseline, rtol=1e-3)
    for t in (1.3, 2.0, 3.5):
        expected = baseline + dose * math.exp(-k * (t - 1.234))
        assert abs(at(result, "LPS_plasma_pg_mL", t) - expected) < 0.01 * dose


def test_infusion_delivers_its_amount_at_a_constant_rate(inline):
    """1 g of antibiotic IV over 2 h: one-compartment infusion, analytic solution."""
    result = inline(6, [{"agent": "antibiotic", "amount": 1.0, "unit": "g", "route": "iv",
                         "from_h": 1.0, "to_h": 3.0}], output_step_h=0.01)
    p = result.parameters
    rate = 1000.0 / p["abx_V_L"] / 2.0  # ug/mL per hour
    k = p["k_abx"]
    concentration = {t: rate / k * (1 - math.exp(-k * (t - 1.0))) for t in (2.0, 3.0)}
    concentration[5.0] = concentration[3.0] * math.exp(-k * 2.0)
    raw = states_of(result, ["ABX"])
    for t, expected in concentration.items():
        assert abs(np.interp(t, result.time_h, raw["ABX"]) - expected) < 1e-4 * expected


def test_repeated_doses_accumulate_to_the_expected_steady_state(inline):
    """Sertraline 50 mg daily: trough accumulation ratio 1 / (1 - exp(-k * 24 h))."""
    result = inline(24 * 21, [{"agent": "sertraline", "amount": 50, "unit": "mg",
                               "at_h": 0, "every_h": 24, "until_h": 24 * 20}])
    raw = states_of(result, ["SER"])
    trough_day1 = np.interp(24.0, result.time_h, raw["SER"])
    trough_day20 = np.interp(24.0 * 20, result.time_h, raw["SER"])
    k = result.parameters["k_ser"]
    expected = 1 / (1 - math.exp(-k * 24))
    assert abs(trough_day20 / trough_day1 - expected) < 0.05 * expected
    half_life = math.log(2) / k
    assert 24 <= half_life <= 28  # label: about 26 h


def test_exposure_window_starts_and_ends_on_time(inline):
    result = inline(6, [{"agent": "stressor", "from_h": 2.0, "to_h": 2.5, "intensity": 1.0}],
                    output_step_h=0.01)
    before = at(result, "anxiety", 2.0) - at(result, "anxiety", 1.99)
    assert abs(before) < 1e-5  # nothing happens before the window opens
    assert at(result, "anxiety", 2.01) > at(result, "anxiety", 2.0) + 0.05
    assert at(result, "anxiety", 2.6) < at(result, "anxiety", 2.5) - 0.05  # and it closes


def test_runs_reproduce_bit_for_bit():
    first = ni.simulate("ifn_alpha_therapy").to_pandas()
    second = ni.simulate("ifn_alpha_therapy").to_pandas()
    assert first.equals(second)


def test_unknown_override_is_refused_with_suggestions():
    try:
        ni.simulate("baseline", k_TNF_typo=1.0)
    except ni.UnknownParameterError as error:
        assert "k_TNF" in str(error)
    else:
        raise AssertionError("unknown parameter was accepted")


def test_results_convert_to_pandas_and_xarray(builtin):
    result = builtin("lps_2ngkg")
    frame = result.to_pandas()
    dataset = result.to_xarray()
    assert list(frame.columns) == ["time_h", *ni.OBSERVABLE_NAMES]
    assert dataset["TNF_pg_mL"].attrs["units"] == "pg/mL"
    assert np.array_equal(dataset["time_h"].values, frame["time_h"].values)


def test_solver_dust_does_not_stop_the_next_segment():
    """A patient whose first 48 h of a flare leave bacterial load and antigen
    presentation at 1e-27 and 1e-21 (dust) once made CVODE refuse the viral dose's
    segment; dust is now flushed to zero and the flare runs to its end."""
    p_tnf = compose().default_values()["p_TNF_monocyte"]
    result = ni.simulate("autoimmune_flare", k_LPS=1.3, baseline_stress=0.35,
                         microbiome_health=0.8, body_weight_kg=85.0, p_TNF_monocyte=0.8 * p_tnf)
    assert np.all(np.isfinite(result["TNF_pg_mL"]))
    # the flare happens: IL-6 and CRP, its clinical marker, rise far above rest (plasma
    # TNF, mostly constitutive at rest, about doubles)
    assert result["IL6_pg_mL"].max() > 10 * result["IL6_pg_mL"][0]
    assert result["CRP_mg_L"].max() > 10.0


def test_dust_is_flushed_before_it_decays_into_subnormal_numbers(monkeypatch):
    """Solver noise leaves ~1e-23 in a pathogen resting at zero, which then decays at
    its clearance rate: over weeks without an event it reached subnormal doubles
    (below 2.2e-308), where CVODE once refused to go on (CV_ILL_INPUT, after 1,392 h of
    ``autoimmune_flare``). Flushed every ``FLUSH_EVERY_H`` it stays dust or zero."""
    from neuroimmune.engines import roadrunner_engine
    from neuroimmune.engines.base import Event, SimulationError

    engine = default_engine()
    times = np.arange(0.0, 3601.0, 24.0)
    infection = [Event(0.0, "add_state", "VIR", 1e-4), Event(0.0, "add_state", "BAC", -1e-24)]

    def smallest_dust() -> float:
        bacteria = np.abs(engine.simulate({}, infection, times, ["BAC"])["BAC"])
        return float(bacteria[bacteria > 0].min())

    assert smallest_dust() > 1e-100
    monkeypatch.setattr(roadrunner_engine, "FLUSH_EVERY_H", 1e6)  # the former behaviour
    with contextlib.suppress(SimulationError):  # or CVODE gives up on the dust, as it once did
        assert smallest_dust() < np.finfo(float).tiny


CVODE_FAILURE = """
import os, roadrunner, antimony
from neuroimmune.engines import RoadRunnerEngine
os.environ.pop("SUNLOGGER_WARNING_FILENAME", None)
os.environ.pop("SUNLOGGER_ERROR_FILENAME", None)
RoadRunnerEngine()
antimony.loadAntimonyString("model blowup\\n x' = x^2; x = 1\\nend")
runner = roadrunner.RoadRunner(antimony.getSBMLString("blowup"))
try:
    runner.simulate(0, 2, 3)
except RuntimeError as error:
    print("raised:", "CV_CONV_FAILURE" in str(error))
"""


def test_cvode_failures_raise_without_printing():
    """SUNDIALS' logger printed CVODE's warnings to stdout from every worker (about 1,000
    lines per 100,000 patients); the engine turns it off, and the failure still raises."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", CVODE_FAILURE], capture_output=True,
                         text=True, timeout=120, check=True)
    assert run.stdout.strip() == "raised: True"
    assert "CVode" not in run.stderr


def test_outputs_a_rounding_error_from_a_restart_are_not_separate_solver_times():
    """CVODE refuses to step 4e-15 h (CV_TOO_CLOSE); a 0.15 h output grid puts an output
    at 24.000000000000004, beside the restart at 24 (as ``output_times`` builds it for a
    step of 0.05 * 3 h)."""
    from neuroimmune.engines.roadrunner_engine import _boundaries, _solver_times

    grid = np.arange(201) * (0.05 * 3.0)  # 0.15000000000000002 apart
    near_24 = grid[np.abs(grid - 24.0) < 1e-9]
    assert near_24.size == 1 and near_24[0] != 24.0
    times, picked = _solver_times(24.0, 30.0, grid[(grid > 24.0) & (grid <= 30.0)])
    assert np.all(np.diff(times) > 1e-6)
    assert picked[0] == 0  # the output at 24.000000000000004 reads the restart's state
    assert _boundaries({0.0}, float(near_24[0])) == [0.0, float(near_24[0])]
