"""The batched (JAX) engine against the default libRoadRunner engine.

Stated tolerance: every observable within 1e-3 of its largest absolute value over the
run, for two patients per batch (the default patient and one with five parameters
moved), on every built-in scenario (boluses, repeated oral doses, infusions,
exposures, weeks of dosing). Both engines
find rest by the same shooting method, each with its own solver.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("jax")
pytest.importorskip("diffrax")

from neuroimmune.engines import RoadRunnerEngine
from neuroimmune.engines.jax_engine import NARROW_BATCH, STIFF, JaxBatchedEngine
from neuroimmune.observables import OBSERVABLES
from neuroimmune.scenarios import load_scenario
from neuroimmune.scenarios.loader import builtin_scenarios
from neuroimmune.simulation import OBSERVABLE_SYMBOLS, output_times, patient_inputs

TOLERANCE = 1e-3
MOVED = {"k_LPS": 1.3, "baseline_stress": 0.35, "microbiome_health": 0.8,
         "body_weight_kg": 85.0}


@pytest.fixture(scope="module")
def engines():
    return JaxBatchedEngine(), RoadRunnerEngine()


STIFF_SCENARIOS = {"infliximab_autoimmune", "bacterial_infection"}
"""Measured stiff (CVODE Adams needs 40x and 6x the BDF steps): the explicit solver may
refuse these patients, which population runs then give to libRoadRunner."""


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_batched_engine_agrees_with_the_default_engine(engines, name):
    batched, default = engines
    scenario = load_scenario(name)
    moved = dict(MOVED)
    moved["p_TNF_monocyte"] = default._defaults["p_TNF_monocyte"] * 0.8
    inputs = [patient_inputs(scenario, {}), patient_inputs(scenario, moved)]
    times = output_times(scenario)
    batch = batched.simulate_batch([p for p, _ in inputs], [e for _, e in inputs], times,
                                   OBSERVABLE_SYMBOLS)
    for index, (parameters, events) in enumerate(inputs):
        if batch.errors[index]:
            assert name in STIFF_SCENARIOS and batch.errors[index].startswith(STIFF), \
                batch.errors[index]
            continue
        expected = default.simulate(parameters, events, times, OBSERVABLE_SYMBOLS)
        for observable in OBSERVABLES:
            reference = expected[observable.symbol]
            scale = max(np.max(np.abs(reference)), 1e-9)
            difference = np.max(np.abs(batch.values[observable.symbol][index] - reference))
            assert difference <= TOLERANCE * scale, (name, index, observable.name, difference / scale)


def test_patients_of_a_batch_must_share_a_schedule(engines):
    batched, _ = engines
    first = patient_inputs(load_scenario("lps_2ngkg"), {})
    second = patient_inputs(load_scenario("hydrocortisone_lps"), {})
    with pytest.raises(ValueError, match="share event times"):
        batched.simulate_batch([first[0], second[0]], [first[1], second[1]],
                               output_times(load_scenario("lps_2ngkg")), OBSERVABLE_SYMBOLS)


def test_rest_is_a_24_hour_periodic_orbit(engines):
    """Shooting's answer: one simulated day from rest returns to rest (to 1e-5)."""
    batched, _ = engines
    states, converged = batched.rest_states([{"clock_start_h": 8.0, "baseline_stress": 0.4}])
    assert converged.all()
    parameters = batched.parameter_matrix([{"clock_start_h": 8.0, "baseline_stress": 0.4}])
    after = batched._day_map(states, parameters)
    scale = np.abs(states) + 1e-8
    assert np.max(np.abs(after - states) / scale) < 1e-4


def test_narrow_batches_run_their_rest_days_on_libroadrunner(engines):
    """A few patients' days are CVODE's, number for number; a wider batch's are the
    batched solve's, within its tolerance of them, and its rest is periodic under both."""
    batched, default = engines
    patients = [{"clock_start_h": 8.0, "baseline_stress": 0.05 * i}
                for i in range(NARROW_BATCH + 1)]
    parameters = batched.parameter_matrix(patients)
    states, converged = batched.rest_states(patients)
    assert converged.all()
    cvode = default.run_without_events(states, parameters, 24.0)
    np.testing.assert_array_equal(batched._day_map(states[:, :2], parameters[:, :2]),
                                  cvode[:, :2])
    wide = batched._day_map(states, parameters)
    assert not np.array_equal(wide, cvode)  # the batched solve, not CVODE
    scale = np.abs(states) + 1e-8
    assert np.max(np.abs(wide - cvode) / scale) < 1e-4
    assert np.max(np.abs(wide - states) / scale) < 1e-4


def test_a_patient_cvode_fails_gets_the_batched_solve(engines, monkeypatch):
    batched, default = engines
    patients = [{"clock_start_h": 8.0}, {"clock_start_h": 8.0, "baseline_stress": 0.3}]
    parameters = batched.parameter_matrix(patients)
    states, _ = batched.rest_states(patients)
    cvode = default.run_without_events(states, parameters, 24.0)
    monkeypatch.setattr(batched._narrow, "run", lambda s, p, hours: np.where(
        np.arange(s.shape[1]) == 1, np.nan, default.run_without_events(s, p, hours)))
    days = batched._day_map(states, parameters)
    np.testing.assert_array_equal(days[:, 0], cvode[:, 0])
    np.testing.assert_array_equal(days[:, 1], batched._batched_run(
        states[:, [1]], parameters[:, [1]], 24.0, None)[:, 0])
    assert np.all(np.isfinite(days))


def test_a_patient_left_without_rest_is_burned_in_again_on_batched_days(engines, monkeypatch):
    batched, _ = engines
    rest, burned_in, narrow = (batched._rest.rest, batched._batched_rest.rest_by_burn_in,
                               batched._narrow.run)
    calls = []

    def without_rest_for_the_second(parameters):
        states, converged = rest(parameters)
        converged[1] = False  # as if libRoadRunner's days had found no rest for it
        return states, converged

    def burned_in_counting_narrow_days(parameters):
        calls.append(("burn-in", parameters.shape[1]))
        return burned_in(parameters)

    def narrow_days(states, parameters, hours):
        calls.append(("narrow", states.shape[1]))
        return narrow(states, parameters, hours)

    patients = [{"clock_start_h": 8.0}, {"clock_start_h": 8.0, "baseline_stress": 0.3}]
    monkeypatch.setattr(batched._rest, "rest", without_rest_for_the_second)
    monkeypatch.setattr(batched._batched_rest, "rest_by_burn_in", burned_in_counting_narrow_days)
    monkeypatch.setattr(batched._narrow, "run", narrow_days)
    states, converged = batched.rest_states(patients)
    assert calls[-1] == ("burn-in", 1)  # and no libRoadRunner day after it
    assert converged.all()
    after = batched._batched_run(states[:, [1]], batched.parameter_matrix(patients[1:]),
                                 24.0, None)
    assert np.max(np.abs(after[:, 0] - states[:, 1]) / (np.abs(states[:, 1]) + 1e-8)) < 1e-4


def test_a_failing_patient_does_not_fail_the_rest_of_its_batch():
    """One shared step size: a failed batch is split until the failing patient stands alone."""
    from neuroimmune.engines.jax_engine import _by_halves

    calls = []

    def run(rows):
        calls.append(rows.size)
        return rows[:, None] * 10.0, 5 not in rows

    results, ok = _by_halves(run, np.arange(11))
    assert ok.tolist() == [row != 5 for row in range(11)]
    np.testing.assert_array_equal(results[ok, 0], np.arange(11)[ok] * 10.0)
    assert calls[0] == 11 and len(calls) <= 2 * int(np.ceil(np.log2(11))) + 1


def test_a_failed_batch_tries_its_suspects_apart_first():
    """A patient shot below zero is the likely culprit: the others, then it alone."""
    from neuroimmune.engines.jax_engine import _by_halves

    calls = []

    def run(rows):
        calls.append(rows.tolist())
        return rows[:, None] * 10.0, 700 not in rows

    rows = np.arange(1024)
    results, ok = _by_halves(run, rows, suspects=rows == 700)
    assert ok.tolist() == [row != 700 for row in range(1024)]
    np.testing.assert_array_equal(results[ok, 0], rows[ok] * 10.0)
    assert calls[1:] == [[row for row in range(1024) if row != 700], [700]]
    # a wrong suspicion still finds the culprit, by halves among the others
    calls.clear()
    _, ok = _by_halves(run, rows, suspects=rows == 3)
    assert ok.tolist() == [row != 700 for row in range(1024)]


def test_every_solve_of_a_call_shares_the_calls_program(engines):
    """A rest's later stages run a few of a call's patients; if they all keep a default
    (a fifth of sampled patients keep ``p_TNF_monocyte``), they still use the program
    of the whole call instead of tracing one of their own."""
    batched, default = engines
    patients = [{"baseline_stress": 0.3, "p_TNF_monocyte": default._defaults["p_TNF_monocyte"] * 0.8},
                {"baseline_stress": 0.2}]
    parameters = batched.parameter_matrix(patients)
    defaults = batched.parameter_matrix([{}, {}])
    alone, constants = batched._program(parameters.T[1:]), batched._program(defaults.T)
    with batched._one_call(parameters):
        whole = batched._program(parameters.T)
        assert batched._program(parameters.T[1:]) is whole is not alone
        # default patients (the reference rest) keep every parameter a constant
        assert batched._program(defaults.T) is constants
    assert batched._program(parameters.T[1:]) is alone


def test_rest_days_compiled_ahead_cover_every_width_a_rest_uses(engines):
    batched, _ = engines
    patients = [{"baseline_stress": 0.05 + 0.004 * i, "k_LPS": 1.0 + 0.01 * i}
                for i in range(100)]
    assert batched.compile_rest_days(patients) == [64, 128]
    parameters = batched.parameter_matrix(patients)
    advance = batched._program(parameters.T).advance
    traced = advance.signatures()
    _, converged = batched.rest_states(patients)
    assert converged.all()
    assert advance.signatures() == traced  # nothing traced or loaded inside the rest
