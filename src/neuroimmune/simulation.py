"""``simulate``: a scenario (built-in name, path, or Scenario) in, a SimulationResult out."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

from neuroimmune.engines.base import Engine, Event
from neuroimmune.model.compose import compose
from neuroimmune.observables import OBSERVABLES
from neuroimmune.result import SimulationResult
from neuroimmune.scenarios.loader import load_scenario
from neuroimmune.scenarios.model import Scenario
from neuroimmune.scenarios.schedule import scenario_events


class UnknownParameterError(KeyError):
    """An override names a parameter the model does not have."""

    def __str__(self) -> str:
        return str(self.args[0])


def default_output_step(duration_h: float) -> float:
    """Fine enough to resolve a cytokine peak in short runs, hourly in long ones."""
    if duration_h <= 72:
        return 0.1
    if duration_h <= 720:
        return 0.5
    return 1.0


def output_times(scenario: Scenario) -> np.ndarray:
    step = scenario.output_step_h or default_output_step(scenario.duration_h)
    count = int(np.floor(scenario.duration_h / step + 1e-9))
    times = np.arange(count + 1) * step
    if times[-1] < scenario.duration_h:
        times = np.append(times, scenario.duration_h)
    return times


def check_overrides(overrides: Mapping[str, float]) -> None:
    """Refuse names the model does not know, suggesting the closest ones."""
    import difflib

    known = compose().parameters
    for name in overrides:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UnknownParameterError(
                f"unknown parameter {name!r}{hint} (`neuroimmune parameters` lists them all)"
            )


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    """The process-wide default engine (compiled once; compilation takes about a second)."""
    from neuroimmune.engines.roadrunner_engine import RoadRunnerEngine

    return RoadRunnerEngine()


def simulate(
    scenario: str | Path | Scenario,
    engine: Engine | None = None,
    **overrides: float,
) -> SimulationResult:
    """Simulate a scenario for one virtual patient.

    ``scenario`` is a built-in name (see ``builtin_scenarios()``), a path to a TOML
    file, or a ``Scenario``. Keyword overrides set model parameters on top of the
    scenario's patient table, e.g. ``simulate("lps_2ngkg", baseline_stress=0.5)``.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    check_overrides(overrides)
    engine = engine or default_engine()
    parameters, events = patient_inputs(scenario, overrides)
    times = output_times(scenario)
    raw = engine.simulate(parameters, events, times, OBSERVABLE_SYMBOLS)
    observed = {o.name: raw[o.symbol] for o in OBSERVABLES}
    return SimulationResult(scenario, times, observed, compose().default_values() | parameters)


def read_symbols(result: SimulationResult, symbols: Sequence[str],
                 engine: Engine | None = None) -> dict[str, np.ndarray]:
    """Re-run a result's patient and scenario, reading model quantities that are not
    observables (drug concentrations, receptor occupancies) at the result's times."""
    defaults = _defaults()
    parameters = {name: value for name, value in result.parameters.items()
                  if defaults.get(name) != value}  # the scenario's patient and any overrides
    parameters["clock_start_h"] = result.scenario.clock_start_h
    events = scenario_events(result.scenario, result.parameters)
    return (engine or default_engine()).simulate(parameters, events, result.time_h, list(symbols))


OBSERVABLE_SYMBOLS = tuple(o.symbol for o in OBSERVABLES)
"""The model symbols behind the observables, in the order engines are asked for them."""


def patient_inputs(scenario: Scenario, overrides: Mapping[str, float],
                   ) -> tuple[dict[str, float], list[Event]]:
    """What an engine needs for one patient: parameters set away from the model's
    defaults (scenario table, overrides, clock) and the scenario's events for them."""
    parameters = {**scenario.patient, **overrides, "clock_start_h": scenario.clock_start_h}
    # looked up through, not merged into a copy of the ~300 defaults (33 us a patient)
    return parameters, scenario_events(scenario, ChainMap(parameters, _defaults()))


@lru_cache(maxsize=1)
def _defaults() -> Mapping[str, float]:
    """The model's default parameter values (read only)."""
    return MappingProxyType(compose().default_values())
