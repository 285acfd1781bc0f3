"""One chunk of patients, simulated in whatever process runs it.

A ``ChunkTask`` is plain data (the scenario, the patients' overrides, what to keep), so
it travels to a Dask worker by pickle; ``simulate_chunk`` runs it there with the
worker's own engine and returns a ``ChunkOutput`` with one outcome row per patient
and, for chunks in the fan-chart sample, thinned trajectories.

Each process keeps one compiled engine per set of engine options (``worker_engine``):
compiling the model takes about a second, so it happens once per worker, not per
chunk. libRoadRunner is not thread-safe, so Dask workers run one thread each.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
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

EngineOptions = tuple[tuple[str, float | bool], ...]
"""Keyword arguments of ``RoadRunnerEngine`` as sorted pairs (hashable, picklable)."""

_ENGINES: dict[EngineOptions, Engine] = {}
"""This process's engines, by options: the per-worker cache (see module docstring)."""


def worker_engine(options: EngineOptions = ()) -> Engine:
    """The engine this process uses for ``options``, compiled on first use."""
    if options not in _ENGINES:
        from neuroimmune.engines.roadrunner_engine import RoadRunnerEngine

        _ENGINES[options] = RoadRunnerEngine(**dict(options))
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


def simulate_chunk(task: ChunkTask, engine: Engine | None = None) -> ChunkOutput:
    """Simulate every patient of ``task``; a failed patient gets NaN outcomes and its error.

    ``engine`` defaults to this process's cached engine for ``task.engine_options``.
    """
    from neuroimmune.simulation import simulate

    started = time.perf_counter()
    engine = engine or worker_engine(task.engine_options)
    rows, errors, kept = [], [], []
    for patient_id, overrides in zip(task.patient_ids, task.overrides, strict=True):
        try:
            result = simulate(task.scenario, engine=engine, **overrides)
        except SimulationError as error:
            failed = failed_outcomes(task.observables)
            failed.update({w.column: np.nan for w in task.window_outcomes})
            rows.append(failed)
            errors.append(str(error))
            continue
        row = patient_outcomes(result.time_h, result.values, task.observables)
        for window in task.window_outcomes:
            row[window.column] = window.evaluate(result.time_h, result.values[window.observable])
        rows.append(row)
        errors.append("")
        if task.keep_trajectories:
            keep = thinned_indices(len(result.time_h), task.fan_points)
            frame = pd.DataFrame({o: result.values[o][keep] for o in task.observables})
            frame.insert(0, "time_h", result.time_h[keep])
            frame.insert(0, "patient_id", np.full(len(keep), patient_id, dtype=np.int64))
            kept.append(frame)
    outcomes = pd.DataFrame(rows)
    outcomes.insert(0, "patient_id", np.asarray(task.patient_ids, dtype=np.int64))
    outcomes["error"] = pd.Series(errors, dtype=str)
    trajectories = pd.concat(kept, ignore_index=True) if kept else None
    return ChunkOutput(task.index, outcomes, trajectories, time.perf_counter() - started)
