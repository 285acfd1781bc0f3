"""Read a finding's statistic from the model: run its protocol or trial, measure the result.

Times are hours from the protocol's start; a window ``[start, end]`` limits a measure to
that part of the run (``[t, t]`` reads the value at ``t``). A protocol is a file in
``evidence/protocols/`` or the name of a built-in scenario; a trial is a file in
``evidence/trials/``, run on the same virtual patients in every arm.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

import neuroimmune as ni
from neuroimmune.engines.base import Engine
from neuroimmune.evidence.findings import Finding, Reading


class NotModelled(LookupError):
    """The finding's observable is not (yet) an output of the model."""


def _packaged(folder: str, name: str) -> Path:
    return Path(str(resources.files("neuroimmune.evidence").joinpath(folder, f"{name}.toml")))


@cache
def protocol_scenario(name: str) -> ni.Scenario:
    """The scenario behind a protocol name: an evidence protocol file, else a built-in.
    Read once: a calibration reads the same protocols at every objective evaluation."""
    path = _packaged("protocols", name)
    return ni.load_scenario(path if path.is_file() else name)


class TrialRuns:
    """Each evidence trial run once into a scratch folder, stratified as its findings ask."""

    def __init__(self) -> None:
        self._documents: dict[str, dict] = {}
        self._stratify: dict[str, tuple[str, float]] = {}

    def plan(self, findings: list[Finding]) -> None:
        """Note the baseline stratification each trial's findings need (one per trial)."""
        for finding in findings:
            if finding.trial is not None and finding.trial.stratify is not None:
                known = self._stratify.setdefault(finding.trial.trial, finding.trial.stratify)
                if known != finding.trial.stratify:
                    raise ValueError(f"{finding.id}: trial {finding.trial.trial} is already "
                                     f"stratified by {known}; one stratification per trial")

    def __getitem__(self, name: str) -> dict:
        if name not in self._documents:
            import tempfile

            from neuroimmune.population.run import RunSettings
            from neuroimmune.population.trial import load_trial, run_trial

            settings = RunSettings(workers=0, progress=False, plots=False)
            with tempfile.TemporaryDirectory(prefix="neuroimmune-evidence-") as scratch:
                self._documents[name] = run_trial(load_trial(_packaged("trials", name)), scratch,
                                                  settings, stratify=self._stratify.get(name))
        return self._documents[name]


class ProtocolRuns:
    """Each protocol simulated once with the model's current defaults, or with
    ``overrides`` (a calibration trying parameters), and each trial run once, in ``trials``."""

    def __init__(self, overrides: Mapping[str, float] | None = None,
                 engine: Engine | None = None) -> None:
        self.overrides = dict(overrides or {})
        self.engine = engine
        self._results: dict[str, ni.SimulationResult] = {}
        self._internal: dict[tuple[str, str], np.ndarray] = {}
        self.trials = TrialRuns()

    def __getitem__(self, protocol: str) -> ni.SimulationResult:
        if protocol not in self._results:
            self._results[protocol] = ni.simulate(protocol_scenario(protocol), self.engine,
                                                  **self.overrides)
        return self._results[protocol]

    def series(self, protocol: str, observable: str) -> np.ndarray:
        """An observable's time course, ``A/B`` the ratio of two (kynurenine/tryptophan),
        or a model quantity that is no observable (re-run once to read it)."""
        result = self[protocol]
        names = observable.split("/")
        if all(name in result.values for name in names):
            values = np.asarray(result[names[0]], dtype=float)
            for name in names[1:]:
                values = values / np.asarray(result[name], dtype=float)
            return values
        key = (protocol, observable)
        if key not in self._internal:
            self._internal[key] = _internal_series(result, observable, self.engine)
        return self._internal[key]


def _internal_series(result: ni.SimulationResult, name: str,
                     engine: Engine | None = None) -> np.ndarray:
    """A model quantity that is not an observable, over the result's output times."""
    from neuroimmune.model.compose import compose
    from neuroimmune.simulation import read_symbols

    model = compose()
    known = {s.name for s in model.states} | {d.name for d in model.derived}
    if name not in known:
        raise NotModelled(f"{name} is neither an observable nor a quantity of the model")
    return np.asarray(read_symbols(result, [name], engine)[name])


def _series(runs: ProtocolRuns, reading: Reading) -> tuple[np.ndarray, np.ndarray]:
    result = runs[reading.protocol]
    time, values = result.time_h, runs.series(reading.protocol, reading.observable)
    start, end = reading.window
    end = min(end, float(time[-1]))
    inside = (time > start) & (time < end)
    grid = np.concatenate([[start], time[inside], [end]]) if end > start else np.array([start])
    return grid, np.interp(grid, time, values)


def read(runs: ProtocolRuns, reading: Reading) -> float:
    """One statistic of one time course (see ``findings.MEASURES``)."""
    time, values = _series(runs, reading)
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


def trial_results(document: dict, stratum: str) -> dict:
    """A trial's outcomes, for all enrolled patients or for one baseline stratum."""
    return document["strata"][stratum] if stratum else document["outcomes"]


def trial_value(finding: Finding, trials: TrialRuns) -> float:
    """An arm's outcome, or its ratio or difference to the control arm, from a trial run."""
    reading = finding.trial
    document = trials[reading.trial]
    outcome = trial_results(document, reading.stratum)[reading.outcome]
    if finding.comparison is None:
        value = outcome["arms"][reading.arm]["value"]
    else:
        pair = f"{reading.arm} vs {document['control']}"
        value = outcome["comparisons"][pair][finding.comparison]["value"]
    return math.nan if value is None else float(value)


def model_value(finding: Finding, runs: ProtocolRuns) -> float:
    """The model's value of a finding's statistic (raises ``NotModelled``)."""
    if finding.trial is not None:
        return trial_value(finding, runs.trials)
    value = read(runs, finding.reading)
    if finding.reference is None:
        return value
    reference = read(runs, finding.reference)
    if finding.comparison == "difference":
        return value - reference
    return value / reference if reference != 0 else math.inf
