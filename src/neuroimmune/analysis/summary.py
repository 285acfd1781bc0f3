"""Per-observable summary numbers (peaks, times of peaks, areas) of one simulation.

These are the quantities papers report for a challenge study (peak TNF and when it
came, area under the cortisol curve), so they are computed once here and written as
``summary.json`` beside the time course, rather than re-derived in every notebook.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neuroimmune.io import write_atomically
from neuroimmune.observables import BY_NAME, OBSERVABLE_NAMES

if TYPE_CHECKING:
    from neuroimmune.result import SimulationResult

"""``mkstemp`` makes owner-only files; results are meant to be read by collaborators."""


def _number(x: float) -> float | None:
    """A plain float for JSON; None (``null``) where the solver produced NaN or inf,
    because bare ``NaN`` is not valid JSON and would break other tools' parsers."""
    x = float(x)
    return x if math.isfinite(x) else None


def _trapezoid(y: np.ndarray, t: np.ndarray) -> float:
    """Trapezoid area; written out because ``np.trapz`` became ``np.trapezoid`` in NumPy 2."""
    return float(np.sum(np.diff(t) * (y[1:] + y[:-1]) / 2.0))


def _positive_area(y: np.ndarray, t: np.ndarray) -> float:
    """Exact area of ``max(y, 0)`` under the piecewise-linear interpolant of ``y``.

    Clipping the samples and then using the trapezoid rule overstates the area of every
    segment that crosses zero; on a coarse output grid (hourly points over a week) that
    bias is visible, so each crossing segment is split at its zero instead.
    """
    a, b, dt = y[:-1], y[1:], np.diff(t)
    both = (a >= 0) & (b >= 0)
    crossing = ((a > 0) & (b < 0)) | ((a < 0) & (b > 0))
    area = np.sum(np.where(both, (a + b) / 2.0 * dt, 0.0))
    top = np.maximum(a, b)[crossing]
    span = np.abs(a - b)[crossing]
    area += np.sum(top * top / (2.0 * span) * dt[crossing])
    return float(area)


def _area_unit(unit: str) -> str:
    return f"({unit})*h" if (" " in unit or "-" in unit) else f"{unit}*h"


def _summarize_series(t: np.ndarray, y: np.ndarray, unit: str) -> dict[str, Any]:
    if not np.any(np.isfinite(y)):
        keys = ("baseline", "peak", "time_of_peak_h", "minimum", "time_of_minimum_h",
                "final", "auc", "auc_above_baseline")
        return {"unit": unit, **dict.fromkeys(keys), "auc_unit": _area_unit(unit)}
    baseline = float(y[0])
    i_peak = int(np.nanargmax(y))
    i_min = int(np.nanargmin(y))
    return {
        "unit": unit,
        "baseline": _number(baseline),
        "peak": _number(y[i_peak]),
        "time_of_peak_h": _number(t[i_peak]),
        "minimum": _number(y[i_min]),
        "time_of_minimum_h": _number(t[i_min]),
        "final": _number(y[-1]),
        "auc": _number(_trapezoid(y, t)),
        "auc_above_baseline": _number(_positive_area(y - baseline, t)),
        "auc_unit": _area_unit(unit),
    }


def summarize(result: SimulationResult) -> dict[str, Any]:
    """Peaks, minima, their times, final values and areas of every observable.

    Returns a JSON-ready dict (plain floats, ``None`` for non-finite values):
    ``scenario``, ``duration_h``, ``clock_start_h``, ``n_points`` and ``observables``,
    which maps each observable name, in contract order, to ``unit``, ``baseline``
    (the value at the first output time, t = 0), ``peak``, ``time_of_peak_h``,
    ``minimum``, ``time_of_minimum_h``, ``final``, ``auc`` (trapezoid area over the
    run, in ``auc_unit`` = unit times hours) and ``auc_above_baseline`` (area of
    ``max(value - baseline, 0)``: the excess a challenge caused). Times of peaks and
    minima are the first time the extreme is reached, in hours since t = 0.
    """
    t = np.asarray(result.time_h, dtype=float)
    names = [n for n in OBSERVABLE_NAMES if n in result.values]
    names += sorted(n for n in result.values if n not in BY_NAME)
    observables = {}
    for name in names:
        unit = BY_NAME[name].unit if name in BY_NAME else ""
        observables[name] = _summarize_series(t, np.asarray(result.values[name], float), unit)
    scenario = result.scenario
    return {
        "scenario": scenario.name,
        "duration_h": _number(scenario.duration_h),
        "clock_start_h": _number(scenario.clock_start_h),
        "n_points": int(t.size),
        "observables": observables,
    }


def write_summary(result: SimulationResult, path: str | os.PathLike[str]) -> Path:
    """Write ``summarize(result)`` as indented JSON to ``path``, atomically.

    The text goes to a temporary file in the same folder and is moved into place with
    ``os.replace``, so a crash or a full disk leaves either the old file or the new
    one, never half a JSON document that a pipeline would then fail to parse.
    """
    path = Path(path)
    text = json.dumps(summarize(result), indent=2, allow_nan=False) + "\n"
    write_atomically(path, text)
    return path
