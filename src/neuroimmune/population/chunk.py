"""One chunk of patients, simulated in whatever process runs it.

A ``ChunkTask`` is plain data (the scenario, the patients' overrides, what to keep), so
it travels to a Dask worker by pickle; ``simulate_chunk`` runs it there with the
worker's own engine and returns a ``ChunkOutput`` with one outcome row per patient
and, for chunks in the fan-chart sample, thinned trajectories.

Each process keeps one compiled engine per set of engine options (``worker_engine``):
compiling the model takes about a second, so it happens once per worker, not per
chunk. libRoadRunner is not thread-safe, so Dask workers run one thread each.

With ``("engine", "batched")`` in the options a chunk is one call of the batched
engine (JAX); patients it cannot run (a stiff scenario for the explicit solver) are
run again, one by one, on the process's libRoadRunner engine, so every patient gets
the default engine's answer to the agreed tolerance either way.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from neuroimmune.engines.base import Engine, SimulationError
from neuroimmune.population.outcomes import (
    WindowOutcome,
    failed_outcomes,
    patient_outcomes,
    thinned_indices,
)
from neuroimmune.scenarios.model import Scenario

EngineOptions = tuple[tuple[str, float | bool | str], ...]
"""Engine keyword arguments as sorted pairs (hashable, picklable); ``("engine", "batched")``
picks the batched engine, otherwise the rest are ``RoadRunnerEngine``'s."""

_ENGINES: dict[EngineOptions, Engine] = {}
"""This process's engines, by options: the per-worker cache (see module docstring)."""


def worker_engine(options: EngineOptions = ()) -> Engine:
    """The engine this process uses for ``options``, compiled on first use."""
    if options not in _ENGINES:
        arguments = dict(options)
        if arguments.pop("engine", "roadrunner") == "batched":
            from neuroimmune.engines.jax_engine import JaxBatchedEngine

            _ENGINES[options] = JaxBatchedEngine(**arguments)
        else:
            from neuroimmune.engines.roadrunner_engine import RoadRunnerEngine

            _ENGINES[options] = RoadRunnerEngine(**arguments)
    return _ENGINES[options]


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


Trajectory = tuple[np.ndarray | None, dict[str, np.ndarray], str]
"""(output times, observables by name, error) of one patient; times None when it failed."""


def _one_by_one(task: ChunkTask, engine: Engine) -> Iterator[Trajectory]:
    from neuroimmune.simulation import simulate

    for overrides in task.overrides:
        try:
            result = simulate(task.scenario, engine=engine, **overrides)
        except SimulationError as error:
            yield None, {}, str(error)
            continue
        yield result.time_h, result.values, ""


def _as_batch(task: ChunkTask, engine: Engine) -> Iterator[Trajectory]:
    """One batched call; patients it could not run go to this process's default engine."""
    from neuroimmune.observables import OBSERVABLES
    from neuroimmune.simulation import OBSERVABLE_SYMBOLS, output_times, patient_inputs

    times = output_times(task.scenario)
    inputs = [patient_inputs(task.scenario, overrides) for overrides in task.overrides]
    batch = engine.simulate_batch([p for p, _ in inputs], [e for _, e in inputs], times,
                                  OBSERVABLE_SYMBOLS)
    for index, (parameters, events) in enumerate(inputs):
        if not batch.errors[index]:
            yield times, {o.name: batch.values[o.symbol][index] for o in OBSERVABLES}, ""
            continue
        try:
            raw = worker_engine().simulate(parameters, events, times, OBSERVABLE_SYMBOLS)
        except SimulationError as error:
            yield None, {}, str(error)
            continue
        yield times, {o.name: raw[o.symbol] for o in OBSERVABLES}, ""


def simulate_chunk(task: ChunkTask, engine: Engine | None = None) -> ChunkOutput:
    """Simulate every patient of ``task``; a failed patient gets NaN outcomes and its error.

    ``engine`` defaults to this process's cached engine for ``task.engine_options``.
    """
    started = time.perf_counter()
    engine = engine or worker_engine(task.engine_options)
    batched = hasattr(engine, "simulate_batch")
    patients = _as_batch(task, engine) if batched else _one_by_one(task, engine)
    rows, errors, kept = [], [], []
    for patient_id, (time_h, values, error) in zip(task.patient_ids, patients, strict=True):
        if error:
            failed = failed_outcomes(task.observables)
            failed.update({w.column: np.nan for w in task.window_outcomes})
            rows.append(failed)
            errors.append(error)
            continue
        row = patient_outcomes(time_h, values, task.observables)
        for window in task.window_outcomes:
            row[window.column] = window.evaluate(time_h, values[window.observable])
        rows.append(row)
        errors.append("")
        if task.keep_trajectories:
            keep = thinned_indices(len(time_h), task.fan_points)
            frame = pd.DataFrame({o: values[o][keep] for o in task.observables})
            frame.insert(0, "time_h", time_h[keep])
            frame.insert(0, "patient_id", np.full(len(keep), patient_id, dtype=np.int64))
            kept.append(frame)
    outcomes = pd.DataFrame(rows)
    outcomes.insert(0, "patient_id", np.asarray(task.patient_ids, dtype=np.int64))
    outcomes["error"] = pd.Series(errors, dtype=str)
    trajectories = pd.concat(kept, ignore_index=True) if kept else None
    return ChunkOutput(task.index, outcomes, trajectories, time.perf_counter() - started)
