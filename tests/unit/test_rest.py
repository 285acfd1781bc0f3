"""Shooting for rest on day maps whose answer is known (linear maps)."""

from __future__ import annotations

import numpy as np

from neuroimmune.engines.rest import measured_monodromies, periodic_rest

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
