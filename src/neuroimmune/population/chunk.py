"""One chunk of patients, simulated in whatever process runs it.

A ``ChunkTask`` is plain data (the scenario, the patients' overrides, what to keep), so
it travels to a Dask worker by pickle; ``simulate_chunk`` runs it there with the
worker's own engine and returns a ``ChunkOutput`` with one outcome row per patient
and, for chunks in the fan-chart sample, thinned trajectories.

Each process keeps one compiled engine per set of engine options (``worker_engine``):
building one takes from 20 ms (libRoadRunner, compiled before on this machine) to
several seconds (the batched engine's tracing), so it happens once per worker, not per
chunk. libRoadRunner is not thread-safe, so each thread that runs chunks gets
libRoadRunner engines of its own; the batched engine is shared by a process's threads.

With ``("engine", "batched")`` in the options a chunk is one call of the batched
engine (JAX); patients it cannot run (a stiff scenario for the explicit solver) are
run again, one by one, on the process's libRoadRunner engine, so every patient gets
the default engine's answer to the agreed tolerance either way.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from neuroimmune.engines.base import Engine, SimulationError
from neuroimmune.population.outcomes import WindowOutcome, outcome_table, thinned_indices
from neuroimmune.scenarios.model import Scenario

EngineOptions = tuple[tuple[str, float | bool | str], ...]
"""Engine keyword arguments as sorted pairs (hashable, picklable); ``("engine", "batched")``
picks the batched engine, otherwise the rest are ``RoadRunnerEngine``'s."""

_BATCHED: dict[EngineOptions, Engine] = {}
"""This process's batched engines, by options (shared by its threads)."""

_CREATING = threading.Lock()

_THREAD = threading.local()
"""``engines``: this thread's libRoadRunner engines, by options."""


def worker_engine(options: EngineOptions = ()) -> Engine:
    """The engine this thread uses for ``options``, compiled on first use."""
    arguments = dict(options)
    if arguments.pop("engine", "roadrunner") == "batched":
        with _CREATING:  # one compilation per process, even if two threads ask at once
            if options not in _BATCHED:
                from neuroimmune.engines.jax_engine import JaxBatchedEngine

                _BATCHED[options] = JaxBatchedEngine(**arguments)
            return _BATCHED[options]
    engines = _THREAD.__dict__.setdefault("engines", {})
    if options not in engines:
        from neuroimmune.engines.roadrunner_engine import RoadRunnerEngine

        engines[options] = RoadRunnerEngine(**arguments)
    return engines[options]


@dataclass(frozen=True)
class ChunkTask:
    """Patients ``patient_ids`` with their ``overrides`` (one mapping each) in ``scenario``."""

    index: int
    scenario: Scenario
    patient_ids: tuple[int, ...]
    overrides: tuple[Mapping[str, float], ...]
    observables: tuple[str, ...]
    keep_trajectories: bool = False
    fan_points: int = 200
    engine_options: EngineOptions = field(default=())
    window_outcomes: tuple[WindowOutcome, ...] = ()


@dataclass
class ChunkOutput:
    """What a chunk sends back: outcomes (one row per patient) and optional trajectories."""

    index: int
    outcomes: pd.DataFrame
    trajectories: pd.DataFrame | None
    seconds: float


@dataclass
class _Runs:
    """Every patient of a chunk on the scenario's shared output times: ``values[name]``
    is (patients, times), NaN rows for a patient that failed with ``errors[i]``."""

    time_h: np.ndarray
    values: dict[str, np.ndarray]
    errors: list[str]

    @classmethod
    def empty(cls, task: ChunkTask, time_h: np.ndarray) -> _Runs:
        return cls(time_h, {name: np.full((len(task.overrides), time_h.size), np.nan)
                            for name in _needed(task)}, [""] * len(task.overrides))

    def fill(self, patient: int, values: Mapping[str, np.ndarray]) -> None:
        for name, row in self.values.items():
            row[patient] = values[name]


def _needed(task: ChunkTask) -> list[str]:
    """Observables the chunk keeps or a window outcome reads."""
    return list(dict.fromkeys([*task.observables, *(w.observable for w in task.window_outcomes)]))


def _one_by_one(task: ChunkTask, engine: Engine) -> _Runs:
    from neuroimmune.simulation import output_times, simulate

    runs = _Runs.empty(task, output_times(task.scenario))
    for patient, overrides in enumerate(task.overrides):
        try:
            result = simulate(task.scenario, engine=engine, **overrides)
        except SimulationError as error:
            runs.errors[patient] = str(error)
            continue
        runs.fill(patient, result.values)
    return runs


def _as_batch(task: ChunkTask, engine: Engine) -> _Runs:
    """One batched call; patients too stiff for it go to this process's default engine.

    A patient the batched engine found no rest for keeps its error: its rest already
    ran on libRoadRunner's days and on batched days (``JaxBatchedEngine._rests``), and
    the default engine's own search found none for the two such patients of 10,000
    (lps_2ngkg) either, at the cost of compiling it and its reference (about 3 s)."""
    from neuroimmune.engines.jax_engine import STIFF
    from neuroimmune.observables import OBSERVABLES
    from neuroimmune.simulation import OBSERVABLE_SYMBOLS, output_times, patient_inputs

    symbol = {o.name: o.symbol for o in OBSERVABLES}
    times = output_times(task.scenario)
    inputs = [patient_inputs(task.scenario, overrides) for overrides in task.overrides]
    batch = engine.simulate_batch([p for p, _ in inputs], [e for _, e in inputs], times,
                                  OBSERVABLE_SYMBOLS)
    # views of the batch's own array (a copy would be another 95 MiB for 1,024 patients)
    runs = _Runs(times, {name: np.asarray(batch.values[symbol[name]], dtype=float)
                         for name in _needed(task)}, list(batch.errors))
    for patient in (i for i, error in enumerate(batch.errors) if error.startswith(STIFF)):
        parameters, events = inputs[patient]
        try:
            raw = worker_engine().simulate(parameters, events, times, OBSERVABLE_SYMBOLS)
        except SimulationError as error:
            runs.errors[patient] = str(error)  # its rows stay the batch's NaN
            continue
        runs.errors[patient] = ""
        runs.fill(patient, {name: raw[symbol[name]] for name in runs.values})
    return runs


def _kept_trajectories(task: ChunkTask, runs: _Runs) -> pd.DataFrame | None:
    """Thinned trajectories of the chunk's patients that ran, for fan charts."""
    ran = np.flatnonzero([not error for error in runs.errors])
    if not task.keep_trajectories or not ran.size:
        return None
    keep = thinned_indices(runs.time_h.size, task.fan_points)
    frame = pd.DataFrame({name: runs.values[name][ran][:, keep].ravel()
                          for name in task.observables})
    frame.insert(0, "time_h", np.tile(runs.time_h[keep], ran.size))
    frame.insert(0, "patient_id", np.repeat(np.asarray(task.patient_ids, dtype=np.int64)[ran],
                                            keep.size))
    return frame


def simulate_chunk(task: ChunkTask, engine: Engine | None = None) -> ChunkOutput:
    """Simulate every patient of ``task``; a failed patient gets NaN outcomes and its error.

    ``engine`` defaults to this process's cached engine for ``task.engine_options``.
    Outcomes are computed for all patients at once (per patient in Python they cost
    about as much as the batched engine's simulation).
    """
    started = time.perf_counter()
    engine = engine or worker_engine(task.engine_options)
    batched = hasattr(engine, "simulate_batch")
    runs = _as_batch(task, engine) if batched else _one_by_one(task, engine)
    table = outcome_table(runs.time_h, runs.values, task.observables)
    for window in task.window_outcomes:
        table[window.column] = window.evaluate_all(runs.time_h, runs.values[window.observable])
    outcomes = pd.DataFrame(table)
    outcomes.insert(0, "patient_id", np.asarray(task.patient_ids, dtype=np.int64))
    outcomes["error"] = pd.Series(runs.errors, dtype=str)
    output = ChunkOutput(task.index, outcomes, _kept_trajectories(task, runs),
                         time.perf_counter() - started)
    del runs, table
    _release_freed_memory()
    return output


def warm_up_chunk(task: ChunkTask) -> None:
    """Run ``task`` and discard it, so that this process has compiled its engine and
    found its reference rest (what a long-lived worker has between runs); a batched
    engine also compiles its rest days at every width a chunk of this size may use."""
    simulate_chunk(task)
    engine = worker_engine(task.engine_options)
    if hasattr(engine, "compile_rest_days"):
        from neuroimmune.simulation import patient_inputs

        engine.compile_rest_days([patient_inputs(task.scenario, overrides)[0]
                                  for overrides in task.overrides])


def _release_freed_memory() -> None:
    """Hand the heap a chunk freed back to the system. glibc keeps it otherwise: a batched
    worker held 676-687 MiB after each 1,024-patient chunk, 586-612 MiB trimmed
    (measured; 3-8 ms a call). No-op where the C library is not glibc."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
