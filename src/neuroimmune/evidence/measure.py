"""Read a finding's statistic from the model: run its protocols, measure each time course.

Times are hours from the protocol's start; a window ``[start, end]`` limits a measure to
that part of the run (``[t, t]`` reads the value at ``t``). A protocol is a file in
``evidence/protocols/`` or the name of a built-in scenario.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import numpy as np

import neuroimmune as ni
from neuroimmune.evidence.findings import Finding, Reading


class NotModelled(LookupError):
    """The finding's observable is not (yet) an output of the model."""


def protocol_source(name: str) -> str | Path:
    """The scenario behind a protocol name: an evidence protocol file, else a built-in."""
    path = Path(str(resources.files("neuroimmune.evidence").joinpath("protocols", f"{name}.toml")))
    return path if path.is_file() else name


class ProtocolRuns:
    """Each protocol simulated once with the model's current defaults."""

    def __init__(self) -> None:
        self._results: dict[str, ni.SimulationResult] = {}

    def __getitem__(self, protocol: str) -> ni.SimulationResult:
        if protocol not in self._results:
            self._results[protocol] = ni.simulate(protocol_source(protocol))
        return self._results[protocol]


def observable_series(result: ni.SimulationResult, observable: str) -> np.ndarray:
    """An observable's time course; ``A/B`` is the ratio of two (e.g. kynurenine/tryptophan)."""
    names = observable.split("/")
    missing = [n for n in names if n not in result.values]
    if missing:
        raise NotModelled(f"{', '.join(missing)} is not an observable of the model")
    values = np.asarray(result[names[0]], dtype=float)
    for name in names[1:]:
        values = values / np.asarray(result[name], dtype=float)
    return values


def _series(result: ni.SimulationResult, reading: Reading) -> tuple[np.ndarray, np.ndarray]:
    time, values = result.time_h, observable_series(result, reading.observable)
    start, end = reading.window
    end = min(end, float(time[-1]))
    inside = (time > start) & (time < end)
    grid = np.concatenate([[start], time[inside], [end]]) if end > start else np.array([start])
    return grid, np.interp(grid, time, values)


def read(result: ni.SimulationResult, reading: Reading) -> float:
    """One statistic of one time course (see ``findings.MEASURES``)."""
    time, values = _series(result, reading)
    start = reading.window[0]
    match reading.measure:
        case "value":
            return float(values[0])
        case "peak":
            return float(values.max())
        case "trough":
            return float(values.min())
        case "rise":
            return float(values.max() - values[0])
        case "swing":
            return float(values.max() - values.min())
        case "time_of_peak":
            return float(time[np.argmax(values)] - start)
        case "auc":
            return float(np.trapezoid(values, time))
        case "mean":
            span = time[-1] - time[0]
            return float(np.trapezoid(values, time) / span) if span > 0 else float(values[0])
        case "half_rise_time":
            rise = values - values[0]
            if rise.max() <= 0:
                return math.inf
            return float(time[np.argmax(rise >= 0.5 * rise.max())] - start)
    raise ValueError(f"unknown measure {reading.measure}")


def model_value(finding: Finding, runs: ProtocolRuns) -> float:
    """The model's value of a finding's statistic (raises ``NotModelled``)."""
    value = read(runs[finding.reading.protocol], finding.reading)
    if finding.reference is None:
        return value
    reference = read(runs[finding.reference.protocol], finding.reference)
    if finding.comparison == "difference":
        return value - reference
    return value / reference if reference != 0 else math.inf
