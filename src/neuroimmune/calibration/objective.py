"""The likelihood of a calibration problem's data under the model.

Cytokines and hormones are log-normal: residuals are taken on the log scale, and the
noise standard deviation of each observable is profiled out (its maximum-likelihood
value is the root mean square residual), so the objective is

    NLL(theta) = sum_k n_k / 2 * (log(2 pi s_k^2) + (SSR_k / n_k) / s_k^2) + sum log y,
    s_k^2 = max(SSR_k / n_k, floor^2)

with SSR_k the sum of squared log residuals of observable k. Each evaluation burns the
patient in from the default resting state over a few days (warm start), simulates the
experiment to its last measurement and reads the model at the measurement times.
The problem's calibration findings from other protocols add their terms
(``targets.py``) to the population fit; per-subject fits use the subject's data alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from neuroimmune.calibration.problem import CalibrationProblem
from neuroimmune.calibration.targets import load_targets, target_nll, target_values
from neuroimmune.engines.base import SimulationError
from neuroimmune.model.compose import compose
from neuroimmune.observables import BY_NAME
from neuroimmune.scenarios.loader import load_scenario
from neuroimmune.scenarios.schedule import scenario_events

WARM_START_BURN_IN_H = 96.0
"""Four days: far longer than the innate and HPA time constants being fitted."""

NOISE_FLOOR = 0.05
"""Smallest noise standard deviation on the log scale (5%, assay precision): with few
data points a near-perfect fit would otherwise drive the profiled likelihood to -inf."""

FAILED_SIMULATION_NLL = 1e10
"""Objective value for parameter vectors the solver cannot integrate (rejected step)."""


class CalibrationObjective:
    """Negative log-likelihood as a function of log10 parameter values; picklable.

    ``subjects`` restricts the data to some subjects (per-subject fits); ``fixed``
    holds parameter values (linear scale) that are set but not estimated.
    """

    def __init__(self, problem: CalibrationProblem, names: Sequence[str] | None = None,
                 subjects: Sequence[int] | None = None,
                 fixed: dict[str, float] | None = None) -> None:
        self.problem = problem
        self.names = tuple(names or problem.estimate)
        self.fixed = dict(fixed or {})
        data = problem.dataset.measurements
        if subjects is not None:
            data = data[data["subject"].isin(subjects)]
        self.data = data.reset_index(drop=True)
        self.observables = tuple(sorted(self.data["observable"].unique()))
        self.targets = load_targets(problem.findings) if subjects is None else ()
        self.times = np.unique(np.concatenate([[0.0], self.data["time_h"].to_numpy()]))
        scenario = load_scenario(problem.scenario)
        self.scenario = replace(scenario, duration_h=float(self.times[-1]))
        self._engine = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_engine"] = None  # compiled models do not cross processes
        return state

    @property
    def engine(self):
        if self._engine is None:
            from neuroimmune.engines.roadrunner_engine import RoadRunnerEngine

            self._engine = RoadRunnerEngine(burn_in_h=WARM_START_BURN_IN_H, warm_start=True)
        return self._engine

    def parameters(self, x: Sequence[float]) -> dict[str, float]:
        """Linear-scale parameter values for a log10 vector, plus the fixed ones."""
        values = {**self.scenario.patient, **self.fixed}
        values.update({name: 10.0 ** float(v) for name, v in zip(self.names, x, strict=True)})
        return values

    def predictions(self, x: Sequence[float]) -> dict[str, np.ndarray]:
        """Model values of each observable at ``self.times``."""
        overrides = self.parameters(x)
        parameters = {**overrides, "clock_start_h": self.scenario.clock_start_h}
        values = compose().default_values() | parameters
        events = scenario_events(self.scenario, values)
        symbols = [BY_NAME[o].symbol for o in self.observables]
        raw = self.engine.simulate(parameters, events, self.times, symbols)
        return {o: raw[BY_NAME[o].symbol] for o in self.observables}

    def target_values(self, x: Sequence[float]) -> dict[str, float]:
        """The model's value of each calibration finding at ``x``."""
        values = {**self.fixed}
        values.update({name: 10.0 ** float(v) for name, v in zip(self.names, x, strict=True)})
        return target_values(self.targets, values, self.engine)

    def log_residuals(self, x: Sequence[float]) -> dict[str, np.ndarray]:
        """log(model) - log(data) for every measurement, grouped by observable."""
        predicted = self.predictions(x)
        residuals = {}
        for observable, rows in self.data.groupby("observable"):
            model = np.interp(rows["time_h"], self.times, predicted[observable])
            residuals[observable] = (np.log(np.maximum(model, 1e-12))
                                     - np.log(rows["value"].to_numpy()))
        return residuals

    def __call__(self, x: Sequence[float]) -> float:
        try:
            residuals = self.log_residuals(x)
            targets = target_nll(self.targets, self.target_values(x)) if self.targets else 0.0
        except SimulationError:
            return FAILED_SIMULATION_NLL
        total = 0.0
        for r in residuals.values():
            n = r.size
            variance = max(float(np.mean(r**2)), NOISE_FLOOR**2)
            total += n / 2 * (math.log(2 * math.pi * variance) + float(np.mean(r**2)) / variance)
        return total + float(np.log(self.data["value"]).sum()) + targets

    def noise_sd(self, x: Sequence[float]) -> dict[str, float]:
        """Maximum-likelihood standard deviation of the log residuals, per observable."""
        return {o: max(float(np.sqrt(np.mean(r**2))), NOISE_FLOOR)
                for o, r in self.log_residuals(x).items()}
