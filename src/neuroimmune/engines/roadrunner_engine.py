"""The default engine: libRoadRunner (LLVM-compiled SBML, CVODE BDF) on the exported SBML.

The model is compiled once per process from the same SBML document that
``neuroimmune export-sbml`` writes, so what users load in COPASI or Tellurium is what
we simulate. Each run starts from that patient's own resting state at the scenario's
clock time: the 24 h periodic orbit without interventions, found by shooting
(``rest.RestSolver``: a few simulated days from a nearby reference patient) rather
than by a weeks-long burn-in, which is both slower and, for the slowest processes
(microglial priming, a month), not yet at rest after twelve weeks.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

from neuroimmune.engines.base import Engine, Event, SimulationError
from neuroimmune.engines.rest import DEFAULT_REST, DUST, RestSettings, RestSolver
from neuroimmune.model.compose import compose, to_sbml


def _quiet_cvode() -> None:
    """Keep CVODE's own logger (SUNDIALS, not roadrunner's) from printing.

    It writes warnings ("t + h = t on the next step") and errors straight to standard
    output, from every Dask worker: a 100,000-patient population printed about 1,000
    such lines. A failure still raises with CVODE's message and is reported per patient.
    Read when an integrator is created; a user's own setting is kept.
    """
    for variable in ("SUNLOGGER_WARNING_FILENAME", "SUNLOGGER_ERROR_FILENAME"):
        os.environ.setdefault(variable, os.devnull)


BURN_IN_H = 2016.0
"""Twelve weeks of burn-in, from the model's initial state, for a reference patient (and
for a patient the shooting cannot reach from any reference); shooting then polishes it."""

TINY = DUST
"""Below this a state is solver dust and becomes exact zero at every restart. 1e-30 was
not enough: a bacterial load of 4.5e-27 and antigen presentation of 2e-21 left by 48 h
of ``autoimmune_flare`` made CVODE refuse the next segment ("initial ewt has components
equal to zero"); the same threshold as rest's, so both engines flush alike."""

FLUSH_EVERY_H = 24.0
"""Longest stretch integrated without flushing dust. A pathogen that rests at zero
drifts to about -1e-24 and then decays at its clearance rate: over the 1,392 h after
``autoimmune_flare``'s infection, bacteria reached -8e-308 (below the smallest normal
double) at 480 h and CVODE refused to go on (CV_ILL_INPUT). Flushed daily, no state
gets below about 1e-40; the batched engine's solves cover at most 24 h too."""


SAME_TIME = 1e-9
"""Times closer than this (relative, at least 1 h scale) are one time to CVODE, which
refuses to step from t to t + 4e-15 (CV_TOO_CLOSE): an output grid built by adding
0.15 h steps puts an output at 24.000000000000004, next to a flush or event at 24."""


def _solver_times(start: float, stop: float, inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Times to integrate ``start -> stop`` through outputs ``inside`` (in (start, stop]),
    and the row of the result that gives each output: an output at the same time as
    ``start`` reads the start, one at the same time as ``stop`` ends the stretch."""
    tolerance = SAME_TIME * max(1.0, abs(start), abs(stop))
    later = inside[inside - start > tolerance]
    ends_at_output = later.size > 0 and stop - later[-1] <= tolerance
    times = np.concatenate(([start], later, [] if ends_at_output else [stop]))
    picked = np.concatenate((np.zeros(inside.size - later.size, dtype=int),
                             np.arange(1, later.size + 1)))
    return times, picked


def _boundaries(event_times: set[float], end: float) -> list[float]:
    """Restart times: events, the end, and a flush every ``FLUSH_EVERY_H`` unless one
    of those is at the same time already."""
    fixed = np.array(sorted(event_times | {end}))
    flushes = [t for t in np.arange(FLUSH_EVERY_H, end, FLUSH_EVERY_H)
               if np.min(np.abs(fixed - t)) > SAME_TIME * max(1.0, t)]
    return sorted(set(fixed.tolist()) | set(flushes))


@lru_cache(maxsize=1)
def _sbml() -> str:
    return to_sbml(compose())


def _flush_tiny(value: float) -> float:
    """Solver dust (|x| < ``TINY``, sub-normal numbers) in a resting state becomes exact zero.

    Absent pathogens and drugs rest at zero; left as 1e-322 they make CVODE's error
    weights overflow at the next start.
    """
    return 0.0 if abs(value) < TINY else value


class RoadRunnerEngine(Engine):
    """One libRoadRunner instance, reused across runs; not thread-safe (one per worker)."""

    def __init__(self, relative_tolerance: float = 1e-6, absolute_tolerance: float = 1e-12,
                 burn_in_h: float = BURN_IN_H, warm_start: bool = False,
                 rest: RestSettings = DEFAULT_REST) -> None:
        """``warm_start``: instead of finding each patient's rest, burn a new patient in
        from the default patient's rest over ``burn_in_h`` only. Calibration uses it with
        a few days, enough for the fast subsystems it fits; slow states (mood,
        microbiome) then keep the default patient's rest."""
        import roadrunner

        from neuroimmune.engines.compiled_models import compiled_runner

        roadrunner.Logger.setLevel(roadrunner.Logger.LOG_FATAL)
        _quiet_cvode()
        # never libRoadRunner's in-memory model cache: an instance it gave computed
        # slightly different numbers from the first one (4e-4 over a simulated day from
        # the initial state), which would make results depend on how many engines a
        # process had made. A fresh instance saved to disk (compiled_models) loads with
        # the same numbers bit for bit, in 20 ms instead of a second's compiling.
        roadrunner.Config.setValue(roadrunner.Config.LOADSBMLOPTIONS_RECOMPILE, True)
        self._rr = compiled_runner(_sbml())
        self._rr.integrator.relative_tolerance = relative_tolerance
        self._rr.integrator.absolute_tolerance = absolute_tolerance
        self._rr.integrator.maximum_num_steps = 100_000
        self._model = compose()
        self._defaults = self._model.default_values()
        self._burn_in_h = burn_in_h
        self._warm_start = warm_start
        self._loaded: dict[str, float] = {}  # parameters now set away from their defaults
        self._burn_in_cache: dict[tuple[tuple[str, float], ...], dict[str, float]] = {}
        self._parameter_names = tuple(self._model.parameters)
        self._rest = RestSolver(
            self._day_map, self._burn, np.array([s.initial for s in self._model.states]),
            np.array([self._defaults[n] for n in self._parameter_names]),
            self._parameter_names.index("clock_start_h"), rest)

    def array_names(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The order of states and parameters in the arrays ``run_without_events`` takes."""
        return tuple(self._model.state_names), self._parameter_names

    def run_without_events(self, states: np.ndarray, parameters: np.ndarray,
                           hours: float) -> np.ndarray:
        """Each column's states (S, B) after ``hours`` at rest, ending at t = 0, for
        parameters (P, B) in ``array_names`` order; NaN where it fails."""
        rr, names = self._rr, self._model.state_names
        ends = np.empty_like(states)
        for column in range(states.shape[1]):
            values = parameters[:, column]
            self._load({n: v for n, v in zip(self._parameter_names, values, strict=True)
                        if v != self._defaults[n]}, dict(zip(names, states[:, column], strict=True)))
            try:
                rr.simulate(-hours, 0.0, 2)
                ends[:, column] = [rr[name] for name in names]
            except RuntimeError:
                ends[:, column] = np.nan
        return ends

    def _day_map(self, states: np.ndarray, parameters: np.ndarray) -> np.ndarray:
        return self.run_without_events(states, parameters, 24.0)

    def _burn(self, states: np.ndarray, parameters: np.ndarray) -> np.ndarray:
        return self.run_without_events(states, parameters, BURN_IN_H)

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
            state = self._warm_rest(parameters) if self._warm_start else self._periodic_rest(parameters)
            self._burn_in_cache[key] = state
            if len(self._burn_in_cache) > 1024:
                self._burn_in_cache.pop(next(iter(self._burn_in_cache)))
        return dict(self._burn_in_cache[key])

    def _periodic_rest(self, parameters: Mapping[str, float]) -> dict[str, float]:
        vector = np.array([float(parameters.get(n, self._defaults[n]))
                           for n in self._parameter_names])
        states, at_rest = self._rest.rest(vector[:, None])
        if not at_rest[0]:
            raise SimulationError(
                "no finite resting state was found: the parameter overrides leave the "
                "model without a stable 24 h rest; move them back towards their plausible "
                "ranges (`neuroimmune parameters`)."
            )
        return dict(zip(self._model.state_names, states[:, 0], strict=True))  # dust flushed

    def _warm_rest(self, parameters: Mapping[str, float]) -> dict[str, float]:
        """``burn_in_h`` from the default patient's rest at this clock time."""
        clock = {"clock_start_h": parameters.get("clock_start_h", self._defaults["clock_start_h"])}
        start = self._periodic_rest(clock)
        if dict(parameters) == clock:
            return start
        self._load(parameters, start)
        self._integrate(-self._burn_in_h, 0.0, "the burn-in to the resting state")
        state = {name: _flush_tiny(self._rr[name]) for name in self._model.state_names}
        diverged = sorted(name for name, value in state.items() if not np.isfinite(value))
        if diverged:
            raise SimulationError(
                f"the resting state diverged for {', '.join(diverged)}: the parameter "
                "overrides leave the model without a finite rest; move them back "
                "towards their plausible ranges (`neuroimmune parameters`)."
            )
        return state

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
        boundaries = _boundaries({e.time_h for e in events if 0.0 <= e.time_h < end} | {0.0},
                                 end)
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
            times, picked = _solver_times(start, stop, output_times[filled:upto])
            block = self._integrate(start, stop, "the scenario", times)
            rows[filled:upto] = block[picked, 1 : 1 + len(symbols)]
            self._flush_dust(states, block[-1, 1 + len(symbols) :])
            filled = upto
        return {name: rows[:, i] for i, name in enumerate(symbols)}
