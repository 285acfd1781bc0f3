"""Outcomes of many patients at once equal their definitions patient by patient."""

from __future__ import annotations

import numpy as np
import pytest

from neuroimmune.population.outcomes import WindowOutcome, outcome_table

TIMES = np.array([0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 24.0])


def runs() -> np.ndarray:
    """Five patients: a rise and fall, a fall only, flat, noise-sized wobble, not finite."""
    rise = np.array([1.0, 3.0, 9.0, 6.0, 4.0, 2.0, 1.5])
    fall = np.array([5.0, 4.0, 3.0, 2.5, 2.0, 1.0, 0.5])
    flat = np.full(TIMES.size, 2.0)
    wobble = 2.0 + np.array([0.0, 1e-12, -1e-12, 2e-12, 0.0, 0.0, 0.0])
    broken = rise.copy()
    broken[3] = np.nan
    return np.stack([rise, fall, flat, wobble, broken])


def test_metrics_follow_their_definitions():
    y = runs()
    table = outcome_table(TIMES, {"X": y}, ["X"])
    assert list(table) == [f"X.{m}" for m in
                           ("baseline", "peak", "time_of_peak_h", "minimum", "final", "auc")]
    np.testing.assert_array_equal(table["X.baseline"][:4], y[:4, 0])
    np.testing.assert_array_equal(table["X.peak"][:4], [9.0, 5.0, 2.0, 2.0])
    # no rise (or one within solver noise): the peak is the start, at t = 0
    np.testing.assert_array_equal(table["X.time_of_peak_h"][:4], [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(table["X.minimum"][:4], [1.0, 0.5, 2.0, 2.0 - 1e-12])
    np.testing.assert_array_equal(table["X.final"][:4], y[:4, -1])
    for patient in range(4):
        assert table["X.auc"][patient] == pytest.approx(np.trapezoid(y[patient], TIMES),
                                                        rel=1e-14)
    assert all(np.isnan(values[4]) for values in table.values())


@pytest.mark.parametrize(("kind", "start", "end", "threshold", "below"), [
    ("incidence", 0.75, 6.0, 5.0, False),
    ("incidence", 0.0, 30.0, 1.0, True),
    ("change", 0.75, 6.0, None, False),
    ("change", 1.0, 24.0, None, False),
    ("auc", 0.3, 7.0, None, False),
])
def test_window_outcomes_of_many_patients_equal_one_by_one(kind, start, end, threshold, below):
    """Against the definition with ``np.interp`` at the window's ends, per patient."""
    window = WindowOutcome("w", kind, "X", start, end, threshold, below)
    y = runs()
    values = window.evaluate_all(TIMES, y)
    for patient in range(4):
        lo, hi = max(start, TIMES[0]), min(end, TIMES[-1])
        inside = (lo < TIMES) & (hi > TIMES)
        tw = np.concatenate(([lo], TIMES[inside], [hi]))
        yw = np.concatenate(([np.interp(lo, TIMES, y[patient])], y[patient][inside],
                             [np.interp(hi, TIMES, y[patient])]))
        expected = {"incidence": float(np.any(yw <= threshold if below else yw >= threshold))
                    if threshold is not None else None,
                    "change": yw[-1] - yw[0], "auc": np.trapezoid(yw, tw)}[kind]
        assert values[patient] == pytest.approx(expected, rel=1e-14)
        assert window.evaluate(TIMES, y[patient]) == values[patient]
    assert np.isnan(values[4])
