"""The batched engine: a whole batch of patients in one compiled solve (JAX + diffrax).

``jit(diffeqsolve)`` with Tsit5, an explicit 5th-order Runge-Kutta method, over the
whole batch at once: states are arrays over patients and one adaptive step size,
controlled by the worst patient's error, serves them all (measured about 100 times
faster on CPU than ``vmap`` with per-patient steps, whose batched while-loop and
per-patient output bookkeeping dominate). The right-hand side is translated from
the exported SBML (``codegen``). Chosen by measurement (see docs/population.md): the
scenarios users run at population scale (endotoxin, interferon, stress, SSRIs) are not stiff, Tsit5
takes fewer steps than CVODE on them, and one vectorised step serves a thousand
patients. Stiff scenarios (antibody binding in infliximab, bacterial killing) make an
explicit method crawl: every compiled solve covers at most ``PIECE_H`` and may take
``max_steps`` steps, a batch that runs out is split in halves until the failing
patients stand alone (``_by_halves``), and those get ``StiffScenarioError`` (the
population runner moves them to libRoadRunner). Parameters the batch leaves at their
defaults are compiled in as constants (``_program``).

Rest comes from ``rest.RestSolver`` (24 h periodic orbit by shooting), batched too,
except for the days of a few patients at a time, which run on libRoadRunner
(``NARROW_BATCH``).
Events are applied between segments exactly as in the default engine; every patient
of a batch must share event times and targets (doses may differ).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuroimmune.engines import codegen
from neuroimmune.engines.base import Engine, Event, SimulationError
from neuroimmune.engines.codegen import array_model, model_source
from neuroimmune.engines.exported_programs import ExportedProgram, exported_folder
from neuroimmune.engines.rest import DEFAULT_REST, DayMap, RestSettings, RestSolver, RoughDays
from neuroimmune.model.compose import compose

BURN_IN_H = 2016.0
"""Fallback burn-in for a patient the shooting cannot bring to rest from a reference."""


ROUGH_TOLERANCE = 1e-3
"""Solver tolerance of the first shooting days (``rest.RoughDays``): a resting day
takes about half the steps, and the exact days that follow fix what it leaves."""

ROUGH_REST = RestSettings(rtol=3e-3, max_iterations=8)
"""When the rough shooting hands over: its rest to 0.3%. Measured on 1,024 sampled
patients (lps_2ngkg): 3.6 rough + 2.2 exact days instead of 5.0 exact days, rest
0.81 s instead of 1.01 s, rests equal to the exact-only shooting within 1.1e-5."""

STIFF = "the scenario is stiff for this patient's explicit solve"

NO_REST = "no resting state found"


class StiffScenarioError(SimulationError):
    """The explicit solver ran out of steps: the scenario is stiff for these patients."""


@dataclass(frozen=True)
class BatchResult:
    """``values[symbol]`` of shape (patients, times); ``errors[i]`` empty when patient i ran."""

    values: dict[str, np.ndarray]
    errors: list[str]


def _event_key(event: Event) -> tuple[float, str, str]:
    return event.time_h, event.kind, event.target


@dataclass(frozen=True)
class _Plan:
    """A shared event schedule as arrays: at each event time, what is added to which
    state or parameter (``amounts`` per patient), and the output times."""

    times: np.ndarray
    boundaries: list[float]
    kicks: dict[float, list[tuple[str, int, np.ndarray]]]

    @classmethod
    def of(cls, events: Sequence[Sequence[Event]], times: np.ndarray,
           state_index: Mapping[str, int], parameter_index: Mapping[str, int]) -> _Plan:
        kicks: dict[float, list[tuple[str, int, np.ndarray]]] = {}
        ordered = [sorted(patient, key=_event_key) for patient in events]
        if ordered:
            for order, event in enumerate(ordered[0]):
                amounts = np.array([patient[order].value for patient in ordered])
                index = state_index if event.kind == "add_state" else parameter_index
                kicks.setdefault(event.time_h, []).append(
                    (event.kind, index[event.target], amounts))
        end = float(times[-1])
        boundaries = sorted({t for t in kicks if 0.0 <= t < end} | {0.0, end})
        return cls(times, boundaries, kicks)

    def changed_parameters(self) -> list[int]:
        """Rows of the parameters that events change."""
        return [column for kicks in self.kicks.values()
                for kind, column, _ in kicks if kind != "add_state"]


OUTPUTS_PER_SOLVE = 128
"""Output times per compiled solve: longer stretches are split, so one shape serves all."""

PIECE_H = 24.0
"""Longest stretch of one compiled solve, so that one step budget fits every solve."""


def _pieces(start: float, stop: float, times: np.ndarray):
    """Split ``(start, stop]`` into solves of at most ``PIECE_H`` hours and
    ``OUTPUTS_PER_SOLVE`` outputs: ``(piece start, piece end, indices of its outputs)``."""
    piece_start = start
    while piece_start < stop:
        piece_stop = min(stop, piece_start + PIECE_H)
        inside = np.flatnonzero((times > piece_start) & (times <= piece_stop))
        if inside.size > OUTPUTS_PER_SOLVE:
            inside = inside[:OUTPUTS_PER_SOLVE]
            piece_stop = float(times[inside[-1]])
        yield piece_start, piece_stop, inside
        piece_start = piece_stop


@dataclass(frozen=True)
class _Programs:
    """The two compiled solves of one set of varying parameters: ``follow`` keeps the
    picked symbols at output times (scenarios), ``advance`` only the end state (rest)."""

    follow: Callable
    advance: Callable


def _use_compilation_cache(jax) -> None:
    """Keep compiled solves on disk (``NEUROIMMUNE_JAX_CACHE``, default
    ``~/.cache/neuroimmune/jax``): each batch shape compiles in about 5 s, once per
    machine instead of once per worker process.

    JAX does not store (or export, ``exported_programs``) a program that calls back to
    Python, and Equinox's run-time checks do so unless ``EQX_ON_ERROR=nan`` (failures
    become NaN, which the engine reports per patient anyway); set before Equinox is
    first imported.
    """
    if "equinox" not in sys.modules:
        os.environ.setdefault("EQX_ON_ERROR", "nan")
    folder = os.environ.get("NEUROIMMUNE_JAX_CACHE",
                            str(Path.home() / ".cache" / "neuroimmune" / "jax"))
    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)


def _by_halves(run: Callable[[np.ndarray], tuple[np.ndarray, bool]],
               rows: np.ndarray, suspects: np.ndarray | None = None,
               ) -> tuple[np.ndarray, np.ndarray]:
    """``run(rows)`` -> (results, patients first; success) for all ``rows`` in one batch.

    One step size serves a whole batch, so a patient the explicit solver cannot pass
    (stiff for its parameters) fails everyone with it: a failed batch is run again in
    halves until the failing patients stand alone. ``suspects`` (bool per row) are the
    likely culprits: a failed batch that holds some is split into those and the others
    first, which finds a lone culprit in two or three runs instead of a run per halving.
    Returns the results and success per row (a failed row's results are meaningless).
    """
    results, ok = run(rows)
    if ok or rows.size == 1:
        return results, np.full(rows.size, ok)
    if suspects is not None and 0 < np.count_nonzero(suspects) < rows.size:
        parts = [np.flatnonzero(~suspects), np.flatnonzero(suspects)]
        suspects = None  # each part is then searched by halves
    else:
        parts = [np.arange(rows.size // 2), np.arange(rows.size // 2, rows.size)]
    results, ok = np.empty_like(results), np.empty(rows.size, dtype=bool)
    for part in parts:
        results[part], ok[part] = _by_halves(
            run, rows[part], None if suspects is None else suspects[part])
    return results, ok


SMALLEST_BATCH = 64
"""Narrower batches are padded to this width: a day of 64 patients costs about twice a
day of 8 (18 vs 10 ms), while each width costs a process a trace and compilation of
about a second (8, 16 and 32 used to appear in every rest's last iterations)."""


def _padded_width(size: int, smallest: int = SMALLEST_BATCH) -> int:
    """The batch width ``size`` patients run at: a power of two, at least ``smallest``."""
    return max(smallest, 1 << max(0, size - 1).bit_length())


def _padded(rows: np.ndarray, smallest: int = SMALLEST_BATCH) -> np.ndarray:
    """``rows`` (B, ...) padded by repeating the last row to ``_padded_width``, so that
    few array shapes (compilations) occur."""
    size = rows.shape[0]
    padded = _padded_width(size, smallest)
    return np.pad(rows, ((0, padded - size), *[(0, 0)] * (rows.ndim - 1)), mode="edge")


NARROW_BATCH = 6
"""Rest days and burn-ins of this many patients or fewer run on libRoadRunner (CVODE,
one patient at a time, ``_NarrowDays``) instead of a batched solve padded to
``SMALLEST_BATCH``: the few patients a rest's later stages and last shooting days
hold cost a padded batch's latency at every one of their sequential days. Measured
(one thread): a resting day 1.3 ms per patient against 12 ms for a padded batch, a
12-week burn-in 65 ms per patient against 0.45 s; these stages were about a third of
a 1,024-patient lps_2ngkg chunk's time. libRoadRunner holds the GIL, so batched days at
a width of 8 for these batches (4.8 ms a resting day, GIL released) were measured too:
two chunk threads in one process ran 4-17% faster in three alternating pairs, but the
warmed one-process pool did not (``bench_population_rounds.py``: median 4.73x the
plain loop against 4.74x, four rounds each), and a fresh process traces one more
width; not kept."""


class _NarrowDays:
    """libRoadRunner for narrow batches of rest days: one per engine, compiled on first
    use (about 1.5 s), behind a lock (an instance is not thread-safe; each call takes
    milliseconds). CVODE's days are a patient's own, whoever else is in the batch."""

    def __init__(self, relative_tolerance: float, absolute_tolerance: float,
                 state_names: Sequence[str], parameter_names: Sequence[str]) -> None:
        self._tolerances = relative_tolerance, absolute_tolerance
        self._names = tuple(state_names), tuple(parameter_names)
        self._engine = None
        self._lock = threading.Lock()

    def run(self, states: np.ndarray, parameters: np.ndarray, hours: float) -> np.ndarray:
        """States (S, B) after ``hours`` without events, ending at t = 0; NaN where failed."""
        with self._lock:
            if self._engine is None:
                from neuroimmune.engines.roadrunner_engine import RoadRunnerEngine

                engine = RoadRunnerEngine(*self._tolerances)
                if engine.array_names() != self._names:
                    raise RuntimeError("libRoadRunner orders states or parameters unlike "
                                       "the batched engine's arrays")
                self._engine = engine
            return self._engine.run_without_events(states, parameters, hours)


@functools.cache
def _solve_code() -> str:
    """Digest of the code that builds a solve: this module and ``codegen``, whole."""
    code = hashlib.sha256()
    for module in (__file__, codegen.__file__):
        code.update(Path(module).read_bytes())
    return code.hexdigest()


class JaxBatchedEngine(Engine):
    """Many patients of one scenario per call; also a single-patient ``Engine``."""

    def __init__(self, relative_tolerance: float = 1e-6, absolute_tolerance: float = 1e-12,
                 max_steps: int = 256, rest: RestSettings = DEFAULT_REST,
                 keep_exported: bool = True) -> None:
        """``keep_exported``: keep traced solves on disk for the next process
        (``exported_programs``); the numbers are the same either way."""
        import jax

        jax.config.update("jax_enable_x64", True)
        _use_compilation_cache(jax)
        import diffrax
        import jax.numpy as jnp

        self._jnp = jnp
        self._model = compose()
        self._array = array_model(jnp, self._model)
        # the observables at rest, on the host: as eager JAX, each of its ~20 operations
        # compiled anew for every batch width (about half a second)
        self._host_array = array_model(np, self._model)
        self._defaults = self._model.default_values()
        self._state_index = {name: i for i, name in enumerate(self._array.state_names)}
        self._parameter_index = {name: i for i, name in enumerate(self._array.parameter_names)}
        self._derived_index = {name: i for i, name in enumerate(self._array.derived_names)}
        self._max_steps = max_steps
        self._base = np.array([self._defaults[n] for n in self._array.parameter_names])

        def worst_patient(scaled_error):
            """Error norm of the batch: the largest per-patient RMS, so one shared step
            size meets every patient's tolerance."""
            return jnp.max(jnp.sqrt(jnp.mean(scaled_error**2, axis=0)))

        self._tolerance, self._absolute_tolerance = relative_tolerance, absolute_tolerance
        self._keep_exported = keep_exported
        self._controller = lambda rtol: diffrax.PIDController(
            rtol=rtol, atol=absolute_tolerance, norm=worst_patient)
        self._programs: dict[frozenset[int], _Programs] = {}
        self._compiling = threading.Lock()
        self._call = threading.local()  # the varying rows of the call a thread is in
        self._narrow = _NarrowDays(relative_tolerance, absolute_tolerance,
                                   self._array.state_names, self._array.parameter_names)
        self._initial = np.array([s.initial for s in self._model.states])
        clock_row = self._array.parameter_names.index("clock_start_h")

        def rest_solver(narrow: bool) -> RestSolver:
            # the burn-in at the rough tolerance (0.37 s instead of 0.91 s for 12 weeks):
            # it only has to come near rest, shooting with exact days polishes it
            return RestSolver(self._days(24.0, None, narrow),
                              self._days(BURN_IN_H, ROUGH_TOLERANCE, narrow), self._initial,
                              self._base, clock_row, rest,
                              RoughDays(self._days(24.0, ROUGH_TOLERANCE, narrow), ROUGH_REST))

        self._rest = rest_solver(narrow=True)
        self._batched_rest = rest_solver(narrow=False)  # second try, batched days only

    def _program(self, parameters: np.ndarray, changed: Sequence[int] = ()) -> _Programs:
        """The compiled solves for a batch ``parameters`` (B, P) whose rows ``changed`` are
        altered by events.

        Parameters equal to the model's defaults for every patient of the call
        (``simulate_batch`` or ``rest_states``) and not touched by events are compiled
        in as constants (``codegen.model_source``): about half the cost of a step. The
        choice is made once per call, not per solve: a rest's later stages run a few of
        the call's patients, who may all share a default (a fifth of sampled patients
        keep the default ``p_TNF_monocyte``), and a program of its own cost such a
        solve a second of tracing. A batch of default patients (the reference rest)
        keeps every parameter constant. The choice depends on the call alone, never on
        what ran before, so a call computes the same numbers in any process.
        """
        varying = self._varying(parameters)
        if varying:
            varying |= getattr(self._call, "varying", frozenset())
        varying |= frozenset(changed)
        with self._compiling:  # threads sharing the engine compile each program once
            if varying not in self._programs:
                self._programs[varying] = self._compile(varying)
            return self._programs[varying]

    def _varying(self, parameters: np.ndarray) -> frozenset[int]:
        """Rows of parameters (B, P) that differ from the model's defaults."""
        return frozenset(np.flatnonzero(np.any(parameters != self._base, axis=0)).tolist())

    @contextlib.contextmanager
    def _one_call(self, parameters: np.ndarray) -> Iterator[None]:
        """Every solve inside compiles in the parameters that ``parameters`` (P, B), the
        call's patients, leave at their defaults (``_program``); a nested call keeps the
        outer call's choice."""
        outer = getattr(self._call, "varying", None)
        if outer is None:
            self._call.varying = self._varying(parameters.T)
        try:
            yield
        finally:
            if outer is None:
                del self._call.varying

    def _compile(self, varying: frozenset[int]) -> _Programs:
        import diffrax
        import jax

        jnp = self._jnp
        names = self._array.parameter_names
        constants = {names[i]: float(self._base[i]) for i in range(len(names)) if i not in varying}
        array = array_model(jnp, self._model, constants)
        # traced once per solve and inlined into each of Tsit5's stages: tracing a solve
        # takes about a fifth less (a fresh process starts about 1 s sooner), and the
        # compiled program is the same (numbers equal bit for bit; a jit left as a call
        # instead made steps 25% slower)
        term = diffrax.ODETerm(jax.jit(lambda t, y, p: array.rhs(t, y, p), inline=True))
        controller, max_steps, tolerance = self._controller, self._max_steps, self._tolerance

        def solve(y0, p, t0, t1, saveat, rtol):
            """Patients first on the host ((B, S), (B, P)); states first inside, where each
            row is one contiguous vector over patients."""
            return diffrax.diffeqsolve(
                term, diffrax.Tsit5(), t0, t1, None, y0.T, args=p.T, saveat=saveat,
                stepsize_controller=controller(rtol), max_steps=max_steps, throw=False)

        def succeeded(solution):
            return solution.result == diffrax.RESULTS.successful

        def follow(y0, p, t0, t1, ts, symbols):
            def pick(t, y, args):
                return jnp.concatenate([y, array.observe(t, y, args)])[symbols, :]

            # keeping only the picked symbols at each output time, not every state and
            # derived quantity, measured ~15% faster over a 12-week scenario
            solution = solve(y0, p, t0, t1, diffrax.SaveAt(
                subs=[diffrax.SubSaveAt(ts=ts, fn=pick), diffrax.SubSaveAt(t1=True)]),
                tolerance)
            picked, final = solution.ys  # (K, C, B), (1, S, B)
            # turned patients first here: on the host, the strided copies of a 500-patient
            # 12-week batch's 16 output pieces take 0.58 s (of ~10 s; arrays of that shape)
            return jnp.transpose(picked, (2, 0, 1)), final[-1].T, succeeded(solution)

        def advance(y0, p, t0, t1, rtol):
            """The end state; ``rtol`` is an argument so rough rest days share the program."""
            solution = solve(y0, p, t0, t1, diffrax.SaveAt(t1=True), rtol)
            return solution.ys[-1].T, succeeded(solution)

        identity = self._identity(model_source(self._model, constants))
        # Equinox's run-time checks call back to Python unless EQX_ON_ERROR=nan was set
        # before it was imported (``_use_compilation_cache``): such programs cannot be
        # exported, and trying costs each a lowering
        exportable = self._keep_exported and os.environ.get("EQX_ON_ERROR") == "nan"
        folder = exported_folder() if exportable else None
        return _Programs(ExportedProgram(follow, f"follow\n{identity}", (5,), folder),
                         ExportedProgram(advance, f"advance\n{identity}", (), folder))

    def _identity(self, source: str) -> str:
        """What a solve compiled from the model ``source`` is made of, besides the
        arguments and the libraries (``exported_programs``): the solver settings and the
        code that builds the solve (``_solve_code``)."""
        settings = (f"rtol={self._tolerance!r} atol={self._absolute_tolerance!r} "
                    f"max_steps={self._max_steps}")
        return "\n".join((_solve_code(), settings, source))

    # --- building blocks -------------------------------------------------------------

    def _advance(self, states: np.ndarray, parameters: np.ndarray, start: float,
                 end: float, rtol: float) -> tuple[np.ndarray, np.ndarray]:
        """States (S, B) after integrating from ``start`` to ``end``, and per-patient success."""
        program = self._program(parameters.T).advance
        # every state is an amount, a level or a share: a patient shot below zero (a
        # Newton step from a poor Jacobian) is the one likely to fail its day
        below_zero = np.any(states < 0.0, axis=0)
        final, ok = _by_halves(lambda rows: self._advance_together(
            program, states.T[rows], parameters.T[rows], start, end, rtol),
            np.arange(states.shape[1]), below_zero)
        return final.T, ok

    def _advance_together(self, program: Callable, y: np.ndarray, p: np.ndarray, start: float,
                          end: float, rtol: float) -> tuple[np.ndarray, bool]:
        """States (B, S) at ``end`` of one batch, and whether its solves succeeded."""
        size = y.shape[0]
        y, p = _padded(y), _padded(p)
        for piece_start, piece_stop, _ in _pieces(start, end, np.empty(0)):
            final, success = program(y, p, piece_start, piece_stop, rtol)
            if not bool(success):
                return y[:size], False
            y = np.array(final)
        return y[:size], True

    def _rest_run(self, states: np.ndarray, parameters: np.ndarray, hours: float,
                  rtol: float | None = None, narrow: bool = True) -> np.ndarray:
        """States after ``hours`` without events, ending at the clock time; NaN where failed.
        With ``narrow``, a narrow batch runs on libRoadRunner at the exact tolerance
        (``NARROW_BATCH``); a patient CVODE fails (it has for a burn-in that the batched
        solve ran) gets the batched solve."""
        if narrow and states.shape[1] <= NARROW_BATCH:
            final = self._narrow.run(states, parameters, hours)
            failed = np.flatnonzero(~np.all(np.isfinite(final), axis=0))
            if failed.size:
                final[:, failed] = self._batched_run(states[:, failed], parameters[:, failed],
                                                     hours, rtol)
            return final
        return self._batched_run(states, parameters, hours, rtol)

    def _batched_run(self, states: np.ndarray, parameters: np.ndarray, hours: float,
                     rtol: float | None) -> np.ndarray:
        final, ok = self._advance(states, parameters, -hours, 0.0, rtol or self._tolerance)
        final[:, ~ok] = np.nan
        return final

    def _days(self, hours: float, rtol: float | None, narrow: bool) -> DayMap:
        """``_rest_run`` over ``hours`` as a ``(states, parameters) -> states`` map."""
        return lambda states, parameters: self._rest_run(states, parameters, hours, rtol,
                                                         narrow)

    def _day_map(self, states: np.ndarray, parameters: np.ndarray) -> np.ndarray:
        return self._rest_run(states, parameters, 24.0)

    def parameter_matrix(self, patients: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Parameters (P, B): the model's defaults overridden per patient."""
        matrix = np.repeat(self._base[:, None], len(patients), axis=1)
        for column, patient in enumerate(patients):
            for name, value in patient.items():
                matrix[self._parameter_index[name], column] = value
        return matrix

    def rest_states(self, patients: Sequence[Mapping[str, float]]) -> tuple[np.ndarray, np.ndarray]:
        """Rest states (S, B) and which patients reached rest (B,)."""
        parameters = self.parameter_matrix(patients)
        with self._one_call(parameters):
            return self._rests(parameters)

    def _rests(self, parameters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``RestSolver.rest``, and for patients it leaves without rest, its burn-in stage
        again on batched days only: the two solvers' burn-ins end at different points for
        a patient passing slowly by a lost rest (of 6,144 sampled patients one found rest
        only from the batched burn-in; about 1 in 5,000 finds none either way)."""
        states, at_rest = self._rest.rest(parameters)
        missed = np.flatnonzero(~at_rest)
        if missed.size:
            states[:, missed], at_rest[missed] = self._batched_rest.rest_by_burn_in(
                parameters[:, missed])
        return states, at_rest

    def compile_rest_days(self, patients: Sequence[Mapping[str, float]]) -> list[int]:
        """Compile the rest-day solve of a call of ``patients`` for every padded width a
        rest may use (``SMALLEST_BATCH`` up to the call's), and return the widths.

        For a long-lived worker between runs: a rest shrinks its batch as patients
        converge, so one chunk traces only the widths its own stragglers needed, and a
        width first met inside a later chunk costs that chunk half a second of tracing.
        Each width runs a few minutes of simulated time from the initial state."""
        parameters = self.parameter_matrix(patients)
        count = parameters.shape[1]
        widths = sorted({_padded_width(size) for size in range(1, count + 1)})
        with self._one_call(parameters):
            program = self._program(parameters.T).advance
            for width in widths:
                rows = np.arange(width) % count
                self._advance_together(program, np.repeat(self._initial[None], width, axis=0),
                                       parameters.T[rows], -0.05, 0.0, self._tolerance)
        return widths

    # --- the batch ------------------------------------------------------------------

    @staticmethod
    def _check_shared_schedule(events: Sequence[Sequence[Event]]) -> None:
        keys = [sorted(map(_event_key, patient)) for patient in events]
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
        parameters = self.parameter_matrix(patients)
        with self._one_call(parameters):
            return self._through_schedule(parameters, events, output_times, symbols)

    def _through_schedule(self, parameters: np.ndarray, events: Sequence[Sequence[Event]],
                          output_times: np.ndarray, symbols: Sequence[str]) -> BatchResult:
        """``simulate_batch`` for patients ``parameters`` (P, B): rest, then the events."""
        states, at_rest = self._rests(parameters)
        errors = ["" if ok else f"{NO_REST}: the parameters leave the model "
                  "without a stable 24 h rest near the reference patients" for ok in at_rest]
        columns = tuple(self._state_index[s] if s in self._state_index
                        else len(self._state_index) + self._derived_index[s] for s in symbols)
        plan = _Plan.of(events, np.asarray(output_times, dtype=float), self._state_index,
                        self._parameter_index)
        rows = np.flatnonzero(at_rest)
        # written in place by each batch (a copy of a 1,024-patient 12-week chunk's
        # values is 378 MiB); _by_halves only tracks which patients ran
        values = np.full((parameters.shape[1], plan.times.size, len(symbols)), np.nan)
        ran = np.zeros(parameters.shape[1], dtype=bool)
        if rows.size:
            program = self._program(parameters.T[rows], plan.changed_parameters()).follow

            def follow(some: np.ndarray) -> tuple[np.ndarray, bool]:
                ok = self._follow(program, states.T[some], parameters.T[some], some, plan,
                                  columns, values)
                return np.zeros(some.size), ok  # no results to gather: they are in values

            _, ran[rows] = _by_halves(follow, rows)
        for patient in np.flatnonzero(at_rest & ~ran):
            errors[patient] = (f"{STIFF} (more than {self._max_steps} steps in "
                               f"{PIECE_H:g} h); use the default engine")
        values[~ran] = np.nan
        return BatchResult({s: values[:, :, i] for i, s in enumerate(symbols)}, errors)

    def _follow(self, program: Callable, y: np.ndarray, p: np.ndarray, rows: np.ndarray,
                plan: _Plan, columns: tuple[int, ...], values: np.ndarray) -> bool:
        """Patients ``rows`` from rest ``y`` (B, S) through the schedule, their values
        written into ``values[rows]`` (patients, T, C), and whether the solves succeeded
        (it stops at the first that did not, leaving those rows part written)."""
        size = y.shape[0]
        y, p = _padded(y), _padded(p)
        values[rows, 0] = self._observe_at_rest(y, p, columns)[:size]
        for start, stop in itertools.pairwise(plan.boundaries):
            for kind, column, amounts in plan.kicks.get(start, ()):
                target = y if kind == "add_state" else p
                target[:size, column] += amounts[rows]
            for piece_start, piece_stop, inside in _pieces(start, stop, plan.times):
                ts = np.full(OUTPUTS_PER_SOLVE, piece_stop)
                ts[: inside.size] = plan.times[inside]
                picked, final, success = program(y, p, piece_start, piece_stop, ts, columns)
                if not bool(success):
                    return False
                values[rows[:, None], inside] = np.asarray(picked)[:size, : inside.size]
                y = np.array(final)
        return True

    def _observe_at_rest(self, y: np.ndarray, p: np.ndarray, columns: tuple[int, ...]) -> np.ndarray:
        """``columns`` of states and derived quantities at t = 0, patients first."""
        derived = np.asarray(self._host_array.observe(0.0, y.T, p.T)).T
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
