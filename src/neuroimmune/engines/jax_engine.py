"""The batched engine: a whole batch of patients in one compiled solve (JAX + diffrax).

``jit(diffeqsolve)`` with Tsit5, an explicit 5th-order Runge-Kutta method, over the
whole batch at once: states are arrays over patients and one adaptive step size,
controlled by the worst patient's error, serves them all (measured about 100 times
faster on CPU than ``vmap`` with per-patient steps, whose batched while-loop and
per-patient output bookkeeping dominate). The right-hand side is translated from
the exported SBML (``codegen``). Chosen by measurement (see docs/population.md): the scenarios users
run at population scale (endotoxin, interferon, stress, SSRIs) are not stiff, Tsit5
takes fewer steps than CVODE on them, and one vectorised step serves a thousand
patients. Stiff scenarios (antibody binding in infliximab, bacterial killing) make an
explicit method crawl; the engine reports that with ``StiffScenarioError`` after
``max_steps`` instead of crawling, and the population runner moves to the
libRoadRunner pool.

Rest comes from ``rest.RestSolver`` (24 h periodic orbit by shooting), batched too.
Events are applied between segments exactly as in the default engine; every patient
of a batch must share event times and targets (doses may differ).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from neuroimmune.engines.base import Engine, Event, SimulationError
from neuroimmune.engines.codegen import array_model
from neuroimmune.engines.rest import DEFAULT_REST, RestSettings, RestSolver
from neuroimmune.model.compose import compose

BURN_IN_H = 2016.0
"""Fallback burn-in for a patient the shooting cannot bring to rest from a reference."""


STIFF = "the scenario is stiff for this patient's explicit solve"


class StiffScenarioError(SimulationError):
    """The explicit solver ran out of steps: the scenario is stiff for these patients."""


@dataclass(frozen=True)
class BatchResult:
    """``values[symbol]`` of shape (patients, times); ``errors[i]`` empty when patient i ran."""

    values: dict[str, np.ndarray]
    errors: list[str]


OUTPUTS_PER_SOLVE = 128
"""Output times per compiled solve: longer stretches are split, so one shape serves all."""


def _pieces(start: float, stop: float, times: np.ndarray):
    """Split ``(start, stop]`` so each piece holds at most ``OUTPUTS_PER_SOLVE`` outputs."""
    inside = np.flatnonzero((times > start) & (times <= stop))
    for first in range(0, max(inside.size, 1), OUTPUTS_PER_SOLVE):
        chunk = inside[first : first + OUTPUTS_PER_SOLVE]
        last = first + OUTPUTS_PER_SOLVE >= inside.size
        yield start if first == 0 else float(times[inside[first - 1]]), \
            stop if last else float(times[chunk[-1]]), chunk


def _use_compilation_cache(jax) -> None:
    """Keep compiled solves on disk (``NEUROIMMUNE_JAX_CACHE``, default
    ``~/.cache/neuroimmune/jax``): each batch shape compiles in seconds, once per machine
    instead of once per worker process."""
    import os
    from pathlib import Path

    folder = os.environ.get("NEUROIMMUNE_JAX_CACHE",
                            str(Path.home() / ".cache" / "neuroimmune" / "jax"))
    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)


def _bucket(count: int, smallest: int = 8) -> int:
    """Pad sizes to powers of two so that few array shapes (compilations) occur."""
    return max(smallest, 1 << max(0, count - 1).bit_length())


class JaxBatchedEngine(Engine):
    """Many patients of one scenario per call; also a single-patient ``Engine``."""

    def __init__(self, relative_tolerance: float = 1e-6, absolute_tolerance: float = 1e-12,
                 max_steps: int = 50_000, rest: RestSettings = DEFAULT_REST) -> None:
        import jax

        jax.config.update("jax_enable_x64", True)
        _use_compilation_cache(jax)
        import diffrax
        import jax.numpy as jnp

        self._jnp = jnp
        self._model = compose()
        self._array = array_model(jnp, self._model)
        self._defaults = self._model.default_values()
        self._state_index = {name: i for i, name in enumerate(self._array.state_names)}
        self._parameter_index = {name: i for i, name in enumerate(self._array.parameter_names)}
        self._derived_index = {name: i for i, name in enumerate(self._array.derived_names)}
        self._max_steps = max_steps
        def worst_patient(scaled_error):
            """Error norm of the batch: the largest per-patient RMS, so one shared step
            size meets every patient's tolerance."""
            return jnp.max(jnp.sqrt(jnp.mean(scaled_error**2, axis=0)))

        controller = diffrax.PIDController(rtol=relative_tolerance, atol=absolute_tolerance,
                                           norm=worst_patient)
        term = diffrax.ODETerm(lambda t, y, p: self._array.rhs(t, y, p))
        observe = self._array.observe

        def segment(y0, p, t0, t1, ts, symbols):
            """Patients first on the host ((B, S), (B, P)); states first inside, where each
            row is one contiguous vector over patients."""
            solution = diffrax.diffeqsolve(
                term, diffrax.Tsit5(), t0, t1, None, y0.T, args=p.T,
                saveat=diffrax.SaveAt(ts=ts, t1=True), stepsize_controller=controller,
                max_steps=max_steps, throw=False)
            ys = solution.ys  # (K + 1, S, B)
            derived = jax.vmap(observe, in_axes=(0, 0, None))(ts, ys[:-1], p.T)
            picked = jnp.concatenate([ys[:-1], derived], axis=1)[:, symbols, :]
            ok = jnp.broadcast_to(solution.result == diffrax.RESULTS.successful, y0.shape[:1])
            return jnp.transpose(picked, (2, 0, 1)), ys[-1].T, ok

        self._segment = jax.jit(segment, static_argnums=(5,))
        self._rest = RestSolver(
            self._day_map, self._burn, np.array([s.initial for s in self._model.states]),
            np.array([self._defaults[n] for n in self._array.parameter_names]),
            self._array.parameter_names.index("clock_start_h"), rest)

    # --- building blocks -------------------------------------------------------------

    def _advance(self, states: np.ndarray, parameters: np.ndarray, start: float,
                 end: float) -> tuple[np.ndarray, np.ndarray]:
        """States (S, B) after integrating from ``start`` to ``end``, and per-patient success."""
        size = states.shape[1]
        padded = _bucket(size)
        y0 = np.pad(states.T, ((0, padded - size), (0, 0)), mode="edge")
        p = np.pad(parameters.T, ((0, padded - size), (0, 0)), mode="edge")
        _, final, ok = self._segment(y0, p, start, end, np.array([end]), (0,))
        return np.array(final)[:size].T, np.asarray(ok)[:size]

    def _rest_run(self, states: np.ndarray, parameters: np.ndarray, hours: float) -> np.ndarray:
        """States after ``hours`` without events, ending at the clock time; NaN where failed."""
        final, ok = self._advance(states, parameters, -hours, 0.0)
        final[:, ~ok] = np.nan
        return final

    def _day_map(self, states: np.ndarray, parameters: np.ndarray) -> np.ndarray:
        return self._rest_run(states, parameters, 24.0)

    def _burn(self, states: np.ndarray, parameters: np.ndarray) -> np.ndarray:
        return self._rest_run(states, parameters, BURN_IN_H)

    def parameter_matrix(self, patients: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Parameters (P, B): the model's defaults overridden per patient."""
        base = np.array([self._defaults[name] for name in self._array.parameter_names])
        matrix = np.repeat(base[:, None], len(patients), axis=1)
        for column, patient in enumerate(patients):
            for name, value in patient.items():
                matrix[self._parameter_index[name], column] = value
        return matrix

    def rest_states(self, patients: Sequence[Mapping[str, float]]) -> tuple[np.ndarray, np.ndarray]:
        """Rest states (S, B) and which patients reached rest (B,)."""
        return self._rest.rest(self.parameter_matrix(patients))

    # --- the batch ------------------------------------------------------------------

    @staticmethod
    def _check_shared_schedule(events: Sequence[Sequence[Event]]) -> None:
        keys = [sorted((e.time_h, e.kind, e.target) for e in patient) for patient in events]
        if any(k != keys[0] for k in keys[1:]):
            raise ValueError("the batched engine needs every patient of a batch to share "
                             "event times and targets (doses may differ); split the batch "
                             "by schedule or use the default engine")

    def simulate_batch(self, patients: Sequence[Mapping[str, float]],
                       events: Sequence[Sequence[Event]], output_times: np.ndarray,
                       symbols: Sequence[str]) -> BatchResult:
        """Every patient of the batch from rest through the shared event schedule."""
        self._check_shared_schedule(events)
        unknown = [s for s in symbols if s not in self._state_index and s not in self._derived_index]
        if unknown:
            raise KeyError(f"unknown symbols {unknown}")
        size = len(patients)
        parameters = self.parameter_matrix(patients)
        padded = _bucket(size)
        states, at_rest = self._rest.rest(parameters)
        errors = ["" if ok else "no resting state found: the parameters leave the model "
                  "without a stable 24 h rest near the reference patients" for ok in at_rest]
        columns = tuple(self._state_index[s] if s in self._state_index
                        else len(self._state_index) + self._derived_index[s] for s in symbols)
        output_times = np.asarray(output_times, dtype=float)
        end = float(output_times[-1])
        values = np.empty((size, len(output_times), len(symbols)))
        y = np.pad(states.T, ((0, padded - size), (0, 0)), mode="edge")
        p = np.pad(parameters.T, ((0, padded - size), (0, 0)), mode="edge")
        values[:, 0] = self._observe_at_rest(y, p, columns)[:size]
        by_time: dict[float, list[tuple[int, Event]]] = {}
        for patient, schedule in enumerate(events):
            for event in schedule:
                by_time.setdefault(event.time_h, []).append((patient, event))
        boundaries = sorted({t for t in by_time if 0.0 <= t < end} | {0.0, end})
        ok = np.ones(padded, dtype=bool)
        for start, stop in itertools.pairwise(boundaries):
            for patient, event in by_time.get(start, ()):
                if event.kind == "add_state":
                    y[patient, self._state_index[event.target]] += event.value
                else:
                    p[patient, self._parameter_index[event.target]] += event.value
            for piece_start, piece_stop, inside in _pieces(start, stop, output_times):
                ts = np.full(OUTPUTS_PER_SOLVE, piece_stop)
                ts[: inside.size] = output_times[inside]
                picked, final, success = self._segment(y, p, piece_start, piece_stop, ts,
                                                          columns)
                values[:, inside] = np.asarray(picked)[:size, : inside.size]
                y = np.array(final)
                ok &= np.asarray(success)
        for patient in np.flatnonzero(~ok[:size]):
            if not errors[patient]:
                errors[patient] = (f"{STIFF} (more than {self._max_steps} steps in one "
                                   "segment); use the default engine")
        values[~(at_rest & ok[:size])] = np.nan
        return BatchResult({s: values[:, :, i] for i, s in enumerate(symbols)}, errors)

    def _observe_at_rest(self, y: np.ndarray, p: np.ndarray, columns: tuple[int, ...]) -> np.ndarray:
        """``columns`` of states and derived quantities at t = 0, patients first."""
        derived = np.asarray(self._array.observe(0.0, y.T, p.T)).T
        return np.concatenate([y, derived], axis=1)[:, list(columns)]

    # --- the single-patient Engine interface -----------------------------------------

    def simulate(self, parameters: Mapping[str, float], events: Sequence[Event],
                 output_times: np.ndarray, symbols: Sequence[str]) -> dict[str, np.ndarray]:
        result = self.simulate_batch([parameters], [events], output_times, symbols)
        if result.errors[0]:
            kind = StiffScenarioError if result.errors[0].startswith(STIFF) else SimulationError
            raise kind(result.errors[0])
        return {name: values[0] for name, values in result.values.items()}

    def initial_state(self, parameters: Mapping[str, float]) -> dict[str, float]:
        states, at_rest = self.rest_states([parameters])
        if not at_rest[0]:
            raise SimulationError("no resting state found for these parameters")
        return dict(zip(self._array.state_names, states[:, 0], strict=True))
