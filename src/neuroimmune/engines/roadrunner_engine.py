"""The default engine: libRoadRunner (LLVM-compiled SBML, CVODE BDF) on the exported SBML.

The model is compiled once per process from the same SBML document that
``neuroimmune export-sbml`` writes, so what users load in COPASI or Tellurium is what
we simulate. Each patient first runs a burn-in without interventions, ending at the
scenario's clock time, so every run starts from that patient's own resting state.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

from neuroimmune.engines.base import Engine, Event, SimulationError
from neuroimmune.model.compose import compose, to_sbml

BURN_IN_H = 2016.0
"""Twelve weeks: six time constants of the slowest mood process (depressive load, about
two weeks); microglial priming (about a month) rests near zero, so it starts close."""

TINY = 1e-30


@lru_cache(maxsize=1)
def _sbml() -> str:
    return to_sbml(compose())


def _flush_tiny(value: float) -> float:
    """Solver dust (|x| < 1e-30, sub-normal numbers) in a resting state becomes exact zero.

    Absent pathogens and drugs rest at zero; left as 1e-322 they make CVODE's error
    weights overflow at the next start.
    """
    return 0.0 if abs(value) < TINY else value


class RoadRunnerEngine(Engine):
    """One libRoadRunner instance, reused across runs; not thread-safe (one per worker)."""

    def __init__(self, relative_tolerance: float = 1e-6, absolute_tolerance: float = 1e-12,
                 burn_in_h: float = BURN_IN_H, warm_start: bool = False) -> None:
        """``warm_start``: burn a new patient in from the default patient's resting state
        (itself burned in for ``BURN_IN_H``) over ``burn_in_h`` only. Calibration uses it
        with a few days, enough for the fast subsystems it fits; slow states (mood,
        microbiome) then start from the default patient's rest."""
        import roadrunner

        roadrunner.Logger.setLevel(roadrunner.Logger.LOG_FATAL)
        self._rr = roadrunner.RoadRunner(_sbml())
        self._rr.integrator.relative_tolerance = relative_tolerance
        self._rr.integrator.absolute_tolerance = absolute_tolerance
        self._rr.integrator.maximum_num_steps = 100_000
        self._model = compose()
        self._defaults = self._model.default_values()
        self._burn_in_h = burn_in_h
        self._warm_start = warm_start
        self._loaded: dict[str, float] = {}  # parameters now set away from their defaults
        self._burn_in_cache: dict[tuple[tuple[str, float], ...], dict[str, float]] = {}

    def _load(self, parameters: Mapping[str, float], state: Mapping[str, float]) -> None:
        """Set parameters (only those that differ from what the instance holds) and states."""
        rr = self._rr
        wanted = {name: float(value) for name, value in parameters.items()}
        for name in self._loaded.keys() | wanted.keys():
            value = wanted.get(name, self._defaults[name])
            if self._loaded.get(name, self._defaults[name]) != value:
                rr[name] = value
        self._loaded = {n: v for n, v in wanted.items() if v != self._defaults[n]}
        for name, value in state.items():
            rr[name] = value

    def initial_state(self, parameters: Mapping[str, float]) -> dict[str, float]:
        key = tuple(sorted((k, float(v)) for k, v in parameters.items()))
        if key not in self._burn_in_cache:
            start, length = self._burn_in_start(parameters)
            self._load(parameters, start)
            self._integrate(-length, 0.0, "the burn-in to the resting state")
            state = {name: _flush_tiny(self._rr[name]) for name in self._model.state_names}
            diverged = sorted(name for name, value in state.items() if not np.isfinite(value))
            if diverged:
                raise SimulationError(
                    f"the resting state diverged for {', '.join(diverged)}: the parameter "
                    "overrides leave the model without a finite rest; move them back "
                    "towards their plausible ranges (`neuroimmune parameters`)."
                )
            self._burn_in_cache[key] = state
            if len(self._burn_in_cache) > 1024:
                self._burn_in_cache.pop(next(iter(self._burn_in_cache)))
        return dict(self._burn_in_cache[key])

    def _burn_in_start(self, parameters: Mapping[str, float]) -> tuple[dict[str, float], float]:
        """Where a burn-in starts, and for how long it runs."""
        clock = {"clock_start_h": parameters.get("clock_start_h", self._defaults["clock_start_h"])}
        if self._warm_start and dict(parameters) != clock:
            saved = self._burn_in_h, self._warm_start
            self._burn_in_h, self._warm_start = BURN_IN_H, False
            try:
                default_rest = self.initial_state(clock)
            finally:
                self._burn_in_h, self._warm_start = saved
            return default_rest, self._burn_in_h
        return {state.name: state.initial for state in self._model.states}, self._burn_in_h

    def _integrate(self, start: float, end: float, what: str,
                   times: np.ndarray | None = None) -> np.ndarray | None:
        try:
            if times is None:
                self._rr.simulate(start, end, 2)
                return None
            return np.asarray(self._rr.simulate(times=times))
        except RuntimeError as error:
            raise SimulationError(
                f"the solver failed during {what} (t = {start:g} to {end:g} h): {error}. "
                "Check for extreme parameter overrides or doses; tightening "
                "relative_tolerance or lowering the dose usually helps."
            ) from error

    def _flush_dust(self, states: Sequence[str], values: np.ndarray) -> None:
        """Zero the states that decayed to solver dust, so the next restart is clean."""
        for index in np.flatnonzero(np.abs(values) < TINY):
            if values[index] != 0.0:
                self._rr[states[index]] = 0.0

    def simulate(
        self,
        parameters: Mapping[str, float],
        events: Sequence[Event],
        output_times: np.ndarray,
        symbols: Sequence[str],
    ) -> dict[str, np.ndarray]:
        rr = self._rr
        self._load(parameters, self.initial_state(parameters))
        states = self._model.state_names
        rr.timeCourseSelections = ["time", *symbols, *states]
        output_times = np.asarray(output_times, dtype=float)
        end = float(output_times[-1])
        rows = np.empty((len(output_times), len(symbols)))
        rows[0] = [rr[name] for name in symbols]
        boundaries = sorted({e.time_h for e in events if 0.0 <= e.time_h < end} | {0.0, end})
        by_time: dict[float, list[Event]] = {}
        for event in events:
            by_time.setdefault(event.time_h, []).append(event)
        filled = 1
        for start, stop in itertools.pairwise(boundaries):
            for event in by_time.get(start, ()):
                rr[event.target] = rr[event.target] + event.value
                if event.kind == "add_parameter":
                    self._loaded[event.target] = rr[event.target]
            upto = int(np.searchsorted(output_times, stop, side="right"))
            inside = output_times[filled:upto]
            times = np.concatenate(([start], inside, [stop] if not inside.size or
                                    inside[-1] < stop else []))
            block = self._integrate(start, stop, "the scenario", times)
            if inside.size:
                rows[filled:upto] = block[1 : 1 + inside.size, 1 : 1 + len(symbols)]
            self._flush_dust(states, block[-1, 1 + len(symbols) :])
            filled = upto
        return {name: rows[:, i] for i, name in enumerate(symbols)}
