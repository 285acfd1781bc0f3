"""Per-patient outcomes: the few numbers per observable that a population keeps.

A population never holds every trajectory; each patient is reduced to these numbers
per observable as soon as it is simulated (the definitions match ``summary.json`` of
``neuroimmune run``). Columns are named ``"<observable>.<metric>"``, e.g.
``"TNF_pg_mL.peak"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

METRICS: tuple[str, ...] = ("baseline", "peak", "time_of_peak_h", "minimum", "final", "auc")
"""``baseline``: value at t = 0 (the patient's rest); ``peak``/``minimum``: extremes over
the run; ``time_of_peak_h``: first time the peak is reached; ``final``: value at the
end; ``auc``: trapezoid area over the run (unit times hours)."""

FAN_POINTS = 200
"""Trajectories kept for fan charts are thinned to at most about this many times."""


def column(observable: str, metric: str) -> str:
    return f"{observable}.{metric}"


def outcome_columns(observables: Sequence[str]) -> list[str]:
    return [column(o, m) for o in observables for m in METRICS]


NOISE = 1e-9
"""Rises smaller than this (relative to the baseline, or absolute below 1) are solver
noise: the solvers control errors to 1e-6 relative and 1e-12 absolute, so a pathogen
load of 1e-22 in an endotoxin run has no time of peak worth reporting."""


def outcome_table(time_h: np.ndarray, values: Mapping[str, np.ndarray],
                  observables: Sequence[str]) -> dict[str, np.ndarray]:
    """The ``METRICS`` of each observable for many patients at once: ``values[name]`` is
    (patients, times) on the shared ``time_h``; a patient whose observable is not finite
    throughout gets NaN for it. Columns in ``outcome_columns`` order."""
    t = np.asarray(time_h, dtype=float)
    table: dict[str, np.ndarray] = {}
    for name in observables:
        # a batch's observables are strided views of one (patients, times, symbols)
        # array: one copy first makes the passes below contiguous (110 -> 75 ms for
        # 1,000 lps_2ngkg patients, 24 observables; measured)
        y = np.ascontiguousarray(np.atleast_2d(np.asarray(values[name], dtype=float)))
        finite = np.all(np.isfinite(y), axis=1)
        # a peak within solver noise of the start is no peak: noise would pick its time
        rise = y - y[:, :1]
        risen = np.max(rise, axis=1) > NOISE * np.maximum(np.abs(y[:, 0]), 1.0)
        peak_at = np.where(risen, np.argmax(rise, axis=1), 0)
        rows = np.arange(y.shape[0])
        metrics = {
            "baseline": y[:, 0],
            "peak": y[rows, peak_at],
            "time_of_peak_h": t[peak_at],
            "minimum": np.min(y, axis=1),
            "final": y[:, -1],
            "auc": np.sum(np.diff(t) * (y[:, 1:] + y[:, :-1]) / 2.0, axis=1),
        }
        for metric in METRICS:
            table[column(name, metric)] = np.where(finite, metrics[metric], np.nan)
    return table


def patient_outcomes(time_h: np.ndarray, values: Mapping[str, np.ndarray],
                     observables: Sequence[str]) -> dict[str, float]:
    """The ``METRICS`` of each observable of one patient's run."""
    table = outcome_table(time_h, {name: np.asarray(values[name])[None, :]
                                   for name in observables}, observables)
    return {name: float(metric[0]) for name, metric in table.items()}


def thinned_indices(count: int, points: int = FAN_POINTS) -> np.ndarray:
    """Every k-th output index (k chosen for about ``points`` of them), always with the last."""
    step = max(1, int(np.ceil((count - 1) / max(points - 1, 1))))
    indices = np.arange(0, count, step)
    return indices if indices[-1] == count - 1 else np.append(indices, count - 1)


@dataclass(frozen=True)
class WindowOutcome:
    """A named outcome over a time window ``[start_h, end_h]`` of one observable (a trial's).

    ``incidence``: 1 if the observable reaches ``threshold`` (``>=``, or ``<=`` when
    ``below``) at any output time in the window, else 0. ``change``: value at the end of
    the window minus value at its start. ``auc``: trapezoid area over the window. Ends
    past the run are cut to the run; values at the window ends are interpolated.
    """

    name: str
    kind: str
    observable: str
    start_h: float = 0.0
    end_h: float = math.inf
    threshold: float | None = None
    below: bool = False

    @property
    def column(self) -> str:
        return f"outcome:{self.name}"

    def evaluate(self, time_h: np.ndarray, y: np.ndarray) -> float:
        """The outcome of one patient's run ``y`` (times,)."""
        return float(self.evaluate_all(time_h, np.asarray(y)[None, :])[0])

    def evaluate_all(self, time_h: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The outcome of each patient (rows of ``y``, (patients, times) on the shared
        ``time_h``); NaN for a patient whose run is not finite throughout."""
        t = np.asarray(time_h, dtype=float)
        y = np.atleast_2d(np.asarray(y, dtype=float))
        start, end = max(self.start_h, float(t[0])), min(self.end_h, float(t[-1]))
        if end < start:
            return np.full(y.shape[0], np.nan)
        inside = (t > start) & (t < end)
        tw = np.concatenate(([start], t[inside], [end]))
        yw = np.concatenate([_at(t, y, start), y[:, inside], _at(t, y, end)], axis=1)
        if self.kind == "incidence":
            hit = yw <= self.threshold if self.below else yw >= self.threshold
            result = np.any(hit, axis=1).astype(float)
        elif self.kind == "change":
            result = yw[:, -1] - yw[:, 0]
        elif self.kind == "auc":
            result = np.sum(np.diff(tw) * (yw[:, 1:] + yw[:, :-1]) / 2.0, axis=1)
        else:
            raise ValueError(f"outcome {self.name}: unknown kind {self.kind!r}")
        return np.where(np.all(np.isfinite(y), axis=1), result, np.nan)


def _at(t: np.ndarray, y: np.ndarray, time: float) -> np.ndarray:
    """Each row of ``y`` linearly interpolated at ``time``, as a column (patients, 1)."""
    return np.array([[np.interp(time, t, row)] for row in y])
