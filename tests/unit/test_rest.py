"""Shooting for rest on day maps whose answer is known (linear maps)."""

from __future__ import annotations

import numpy as np

from neuroimmune.engines import rest
from neuroimmune.engines.rest import RestSettings, RoughDays, measured_monodromies, periodic_rest

MATRIX = np.array([[0.5, 0.1, 0.0],
                   [0.0, 0.8, 0.05],
                   [0.2, 0.0, 0.3]])
OFFSET = np.array([1.0, 2.0, 0.5])
REST = np.linalg.solve(np.eye(3) - MATRIX, OFFSET)  # Phi(x) = x


class LinearDays:
    """``Phi(x) = A x + b`` per patient; patients whose first parameter is negative fail
    (NaN), as a patient the solver cannot integrate does. Counts the columns it ran."""

    def __init__(self) -> None:
        self.columns = 0

    def __call__(self, states: np.ndarray, parameters: np.ndarray) -> np.ndarray:
        self.columns += states.shape[1]
        ends = MATRIX @ states + OFFSET[:, None]
        ends[:, parameters[0] < 0] = np.nan
        return ends


def test_monodromy_of_a_linear_day_is_its_matrix():
    days = LinearDays()
    matrices = measured_monodromies(days, np.repeat(REST[:, None], 2, axis=1), np.ones((1, 2)))
    np.testing.assert_allclose(matrices, np.stack([MATRIX, MATRIX]), atol=1e-8)


def test_a_patient_whose_day_fails_gets_no_moved_days():
    """Its S moved days would all fail, and each failure costs a batched day map dearly."""
    days = LinearDays()
    parameters = np.array([[1.0, -1.0, 1.0]])
    matrices = measured_monodromies(days, np.repeat(REST[:, None], 3, axis=1), parameters)
    assert np.all(np.isnan(matrices[1]))
    np.testing.assert_allclose(matrices[[0, 2]], np.stack([MATRIX, MATRIX]), atol=1e-8)
    # one unmoved day for each of the three, then (1 + 3) days for each of the two that ran
    assert days.columns == 3 + 2 * 4


def test_shooting_finds_the_rest_from_a_rough_jacobian():
    """Broyden's updates make up for a monodromy that is only roughly right."""
    start = np.array([[5.0, 0.1], [1.0, 20.0], [3.0, 0.2]])
    rough = np.stack([MATRIX * 0.7, MATRIX * 1.2])
    states, converged = periodic_rest(LinearDays(), start, np.ones((1, 2)), rough)
    assert converged.all()
    np.testing.assert_allclose(states, np.repeat(REST[:, None], 2, axis=1), rtol=1e-6)


def test_a_failing_patient_is_reported_not_converged_and_spares_the_others():
    start = np.repeat(np.array([[5.0], [1.0], [3.0]]), 2, axis=1)
    states, converged = periodic_rest(LinearDays(), start, np.array([[-1.0, 1.0]]),
                                      np.stack([MATRIX, MATRIX]))
    assert converged.tolist() == [False, True]
    np.testing.assert_allclose(states[:, 1], REST, rtol=1e-6)


def test_a_step_below_zero_is_shortened_and_a_failed_day_keeps_the_last_state(monkeypatch):
    """Every state of the model is an amount, level or share, and a day from a negative
    state may fail: an overshooting Newton step (here from a monodromy 1.5 times too
    large) is shortened instead. Taken whole, it fails the day, and the patient stops
    at the last state whose day ran, where a later stage can start."""
    def days_failing_below_zero(states: np.ndarray, parameters: np.ndarray) -> np.ndarray:
        ends = MATRIX @ states + OFFSET[:, None]
        ends[:, np.any(states < 0.0, axis=0)] = np.nan
        return ends

    start = REST[:, None] * np.array([[4.0], [1.0], [1.0]])
    overshooting = np.stack([1.5 * MATRIX])
    states, converged = periodic_rest(days_failing_below_zero, start, np.ones((1, 1)),
                                      overshooting)
    assert converged.all()
    np.testing.assert_allclose(states[:, 0], REST, rtol=1e-6)

    monkeypatch.setattr(rest, "HALFWAY_TO_ZERO", np.inf)  # whole steps
    states, converged = periodic_rest(days_failing_below_zero, start, np.ones((1, 1)),
                                      overshooting)
    assert not converged.any()
    np.testing.assert_array_equal(states, start)


def test_exact_days_go_on_where_the_rough_days_stopped():
    """Rough days that run out before their rest hand over their place and Jacobian:
    with a rough day map equal to the exact one, rough and exact days together take one
    day more than exact days alone (the exact map's first look at the handover)."""
    start = REST[:, None] * np.array([[4.0], [3.0], [0.5]])
    guess = np.stack([0.5 * MATRIX])
    alone = LinearDays()
    periodic_rest(alone, start, np.ones((1, 1)), guess)
    exact, rough = LinearDays(), LinearDays()
    states, converged = periodic_rest(exact, start, np.ones((1, 1)), guess,
                                      rough=RoughDays(rough, RestSettings(max_iterations=2)))
    assert converged.all()
    np.testing.assert_allclose(states[:, 0], REST, rtol=1e-6)
    assert rough.columns == 3  # the start and two steps
    assert exact.columns + rough.columns == alone.columns + 1


def test_solver_noise_near_zero_does_not_hold_a_step_back():
    """A pathogen resting at zero comes back from a libRoadRunner day at about 1e-23;
    only states above the convergence floor limit a step."""
    states = np.array([[1.0, 1.0], [1e-24, 0.1]])
    change = np.array([[-0.1, -0.1], [-1e-23, -1.0]])
    np.testing.assert_allclose(rest._step_share(change, states, floor=1e-10), [1.0, 0.05])


def test_the_default_engine_finds_a_sampled_patients_rest_in_a_few_days():
    """Halving every step for a pathogen's solver noise once took it 60 simulated days
    per patient for these 8 patients instead of 24 (one of them needs its own monodromy,
    53 days; over 40 patients: 50 instead of 9.5)."""
    from neuroimmune.engines import RoadRunnerEngine
    from neuroimmune.population import model_columns, sample_patients

    patients = sample_patients(8, 1)
    columns = model_columns(patients)
    engine = RoadRunnerEngine()
    engine.initial_state({})  # the reference: a burn-in, not counted
    solver, days = engine._rest, {"columns": 0}
    day_map = solver._day_map

    def counted(states: np.ndarray, parameters: np.ndarray) -> np.ndarray:
        days["columns"] += states.shape[1]
        return day_map(states, parameters)

    solver._day_map = counted
    for row in patients[columns].to_numpy():
        engine.initial_state(dict(zip(columns, map(float, row), strict=True)))
    assert days["columns"] / len(patients) < 40
