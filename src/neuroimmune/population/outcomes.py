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


def patient_outcomes(time_h: np.ndarray, values: Mapping[str, np.ndarray],
                     observables: Sequence[str]) -> dict[str, float]:
    """The ``METRICS`` of each observable of one patient's run."""
    t = np.asarray(time_h, dtype=float)
    row: dict[str, float] = {}
    for name in observables:
        y = np.asarray(values[name], dtype=float)
        if not np.all(np.isfinite(y)):
            row.update(dict.fromkeys((column(name, m) for m in METRICS), np.nan))
            continue
        # a peak within solver noise of the start is no peak: noise would pick its time
        rise = y - y[0]
        i_peak = int(np.argmax(rise)) if rise.max() > NOISE * max(abs(y[0]), 1.0) else 0
        row[column(name, "baseline")] = float(y[0])
        row[column(name, "peak")] = float(y[i_peak])
        row[column(name, "time_of_peak_h")] = float(t[i_peak])
        row[column(name, "minimum")] = float(np.min(y))
        row[column(name, "final")] = float(y[-1])
        row[column(name, "auc")] = float(np.sum(np.diff(t) * (y[1:] + y[:-1]) / 2.0))
    return row


def failed_outcomes(observables: Sequence[str]) -> dict[str, float]:
    return dict.fromkeys(outcome_columns(observables), np.nan)


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
        t = np.asarray(time_h, dtype=float)
        start, end = max(self.start_h, float(t[0])), min(self.end_h, float(t[-1]))
        if not np.all(np.isfinite(y)) or end < start:
            return math.nan
        inside = (t > start) & (t < end)
        tw = np.concatenate(([start], t[inside], [end]))
        yw = np.concatenate(([np.interp(start, t, y)], y[inside], [np.interp(end, t, y)]))
        if self.kind == "incidence":
            hit = yw <= self.threshold if self.below else yw >= self.threshold
            return float(np.any(hit))
        if self.kind == "change":
            return float(yw[-1] - yw[0])
        if self.kind == "auc":
            return float(np.sum(np.diff(tw) * (yw[1:] + yw[:-1]) / 2.0))
        raise ValueError(f"outcome {self.name}: unknown kind {self.kind!r}")
