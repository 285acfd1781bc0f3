"""``run_population``: sample patients, simulate them chunk by chunk, write the results.

The run is resumable: every chunk is a file written atomically (see ``store``), and
``resume=True`` simulates only the chunks whose file is missing or not from this
run. Memory stays flat as ``n`` grows: each patient is reduced to its outcomes in the
worker, chunks are written as they arrive, and only a fixed-size sample of patients
(the first ``fan_patients``; patients are independent draws, so they are a random
sample) keeps thinned trajectories for the fan chart.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil

from neuroimmune.observables import BY_NAME, OBSERVABLE_NAMES
from neuroimmune.population.chunk import ChunkTask, EngineOptions
from neuroimmune.population.covariates import COVARIATES
from neuroimmune.population.engine_base import PopulationEngine
from neuroimmune.population.outcomes import FAN_POINTS, METRICS, WindowOutcome, column
from neuroimmune.population.sampling import (
    PopulationDistribution,
    load_distribution,
    model_columns,
    patient_overrides,
    sample_patients,
)
from neuroimmune.population.store import RunFolder, merge_tables, write_table
from neuroimmune.scenarios.loader import load_scenario
from neuroimmune.scenarios.model import Scenario

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The fan chart's median, 50% band (25-75%) and 90% band (5-95%)."""

FORMAT_VERSION = 1


class PopulationError(ValueError):
    """A population run cannot start as asked (the message says what to change)."""


BATCHED_THREADS = 2
"""Chunk threads per local batched worker process when memory does not allow one
process per core (see ``local_layout``). Threads share the process's compiled solves and
reference rest (about 0.3 GB with the XLA runtime), and the solves release the GIL, but
they wait for each other's Python steps and for libRoadRunner, which holds the GIL.
Measured on this machine (2 cores), lps_2ngkg, 10,000 patients in chunks of 1,024 on
warmed workers, medians of four rounds in three sets: one process of two threads
4.60-4.74x the plain libRoadRunner loop, two one-thread processes 5.15-5.60x
(docs/population.md)."""

BATCHED_WORKER_BYTES = 1 << 30
"""Memory a local one-thread batched worker process is given room for (compiled
solves and XLA runtime, a 1,000-patient chunk's arrays, libRoadRunner for fallbacks,
Dask): two such workers and the main process's growth peaked at 1,422 MiB of
proportional set size (shared libraries counted once) over a 100,000-patient
lps_2ngkg run, 1,172-1,181 MiB at N = 10,000."""


LARGE_CHUNK_BYTES = 128 << 20
"""A chunk whose values (patients x output times x observables, float64) are larger
than this runs beside another chunk in one process by default: a 12-week scenario's
solves release the GIL for most of a chunk, so two chunk threads ran ifn_alpha_therapy
as fast as two processes (N = 10,000 warmed: 7.69x against 7.74x the plain loop) with
417 MiB less (1,492 against 1,909 MiB of PSS; a 1,000-patient chunk of it holds 369
MiB of values), while lps_2ngkg (a 24 h chunk holds 44 MiB) ran 11% faster in two
processes (docs/population.md)."""


def chunk_value_bytes(scenario: Scenario, settings: RunSettings) -> int:
    """What a chunk's values of ``scenario`` take: patients x output times x observables,
    in float64."""
    from neuroimmune.simulation import output_times

    values = settings.chunk_size * len(output_times(scenario)) * len(settings.observables)
    return values * np.dtype(np.float64).itemsize


def usable_cores() -> int:
    """Cores this process may run on (its affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True)
class RunSettings:
    """How a population run is carried out (none of these change a patient's result).

    ``workers``: Dask worker processes on this machine (0: no Dask, simulate in this
    process; None: 2, or one per core for the batched engine); ignored when
    ``scheduler_address`` names a running Dask scheduler. ``threads_per_worker``: chunks
    each local worker process runs at once (None: 1, or ``BATCHED_THREADS`` for batched
    workers fewer than the cores). See ``local_layout``.
    ``max_chunks``: stop after simulating this many chunks, leaving a resumable run
    (what a kill half-way does, on purpose). ``engine_options``: keyword arguments of
    ``RoadRunnerEngine`` in each worker, e.g. ``(("burn_in_h", 96.0), ("warm_start", True))``
    (faster, but see docs/population.md for how far it moves slow states).
    """

    chunk_size: int = 100
    workers: int | None = None
    scheduler_address: str | None = None
    resume: bool = False
    progress: bool = True
    plots: bool = True
    fan_patients: int = 1000
    fan_points: int = FAN_POINTS
    observables: tuple[str, ...] = OBSERVABLE_NAMES
    engine_options: EngineOptions = ()
    window_outcomes: tuple[WindowOutcome, ...] = ()
    max_chunks: int | None = None
    threads_per_worker: int | None = None

    def check(self) -> None:
        if self.chunk_size < 1:
            raise PopulationError(f"chunk size must be at least 1, got {self.chunk_size}")
        if self.workers is not None and self.workers < 0:
            raise PopulationError(f"workers must be 0 (in this process) or more, got {self.workers}")
        if self.threads_per_worker is not None and self.threads_per_worker < 1:
            raise PopulationError(f"threads per worker must be at least 1, got "
                                  f"{self.threads_per_worker}")
        unknown = [o for o in self.observables if o not in BY_NAME]
        if unknown:
            raise PopulationError(f"unknown observables {', '.join(unknown)}")


@dataclass(frozen=True)
class PopulationRun:
    """Where a run's files are and how far it got; read its tables with the methods."""

    out: Path
    run_id: str
    n: int
    complete: bool
    chunks_total: int
    chunks_done: int
    chunks_simulated: int
    failed: int
    seconds: float
    engine: str
    fixed_by_scenario: dict[str, float] = field(default_factory=dict)

    def patients(self) -> pd.DataFrame:
        return pd.read_parquet(self.out / "patients.parquet").set_index("patient_id")

    def outcomes(self) -> pd.DataFrame:
        return pd.read_parquet(self.out / "outcomes.parquet").set_index("patient_id")

    def summary(self) -> dict[str, Any]:
        return json.loads((self.out / "summary.json").read_text(encoding="utf-8"))


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def run_fingerprint(scenario: Scenario, n: int, seed: int, settings: RunSettings,
                    distribution: PopulationDistribution, patients: pd.DataFrame | None = None) -> str:
    """Everything that decides the chunks' contents, hashed: a resumed run must match it."""
    from neuroimmune import __version__

    identity = {
        "format": FORMAT_VERSION, "scenario": _jsonable(scenario), "n": n, "seed": seed,
        "chunk_size": settings.chunk_size, "distribution": distribution.fingerprint(),
        "covariates": repr(COVARIATES), "observables": list(settings.observables),
        "fan_patients": settings.fan_patients, "fan_points": settings.fan_points,
        "engine_options": _jsonable(settings.engine_options), "version": __version__,
        "window_outcomes": _jsonable(settings.window_outcomes),
        "patients": None if patients is None else
        hashlib.sha256(pd.util.hash_pandas_object(patients, index=True).to_numpy().tobytes()).hexdigest(),
    }
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def local_layout(settings: RunSettings, chunk_bytes: int = 0) -> tuple[int, int]:
    """Local worker processes and threads per process that ``settings`` ask for, the
    engine's defaults filled in: two one-thread processes for libRoadRunner; for the
    batched engine one one-thread process per usable core, as many as the available
    memory has room for (``BATCHED_WORKER_BYTES`` each), or half as many for chunks of
    more than ``LARGE_CHUNK_BYTES`` of values (``chunk_bytes``), the processes running
    ``BATCHED_THREADS`` chunk threads each when there are fewer of them than cores.

    Processes rather than threads by default because two one-thread processes ran the
    24 h lps_2ngkg population 5.15-5.60x as fast as the plain libRoadRunner loop on two
    cores against 4.60-4.74x for one process of two threads (medians of four rounds),
    and a 100,000-patient job's whole process tree stayed within 1.6-1.75 GiB of
    proportional set size (docs/population.md).
    """
    batched = dict(settings.engine_options).get("engine") == "batched"
    if not batched:
        return (2 if settings.workers is None else settings.workers,
                settings.threads_per_worker or 1)
    cores = usable_cores()
    room = max(1, int(psutil.virtual_memory().available // BATCHED_WORKER_BYTES))
    processes = min(cores, room)
    if chunk_bytes > LARGE_CHUNK_BYTES:
        processes = max(1, processes // BATCHED_THREADS)
    workers = settings.workers if settings.workers is not None else processes
    default_threads = 1 if workers >= cores else BATCHED_THREADS
    return workers, settings.threads_per_worker or default_threads


def make_engine(settings: RunSettings, chunk_bytes: int = 0) -> PopulationEngine:
    """The population engine ``settings`` ask for: in process, local Dask, or a remote
    cluster (``chunk_bytes``: see ``local_layout``)."""
    workers, threads = local_layout(settings, chunk_bytes)
    if workers == 0 and not settings.scheduler_address:
        from neuroimmune.population.engine_local import InProcessEngine

        return InProcessEngine()
    from neuroimmune.population.engine_pool import DaskPoolEngine

    try:
        return DaskPoolEngine(max(workers, 1), settings.scheduler_address,
                              threads_per_worker=threads)
    except (OSError, TimeoutError, ValueError) as error:
        where = settings.scheduler_address or "a local cluster"
        raise PopulationError(f"cannot start Dask on {where}: {error}") from error


def _tasks(indices: list[int], patients: pd.DataFrame, scenario: Scenario,
           settings: RunSettings) -> Iterator[ChunkTask]:
    for index in indices:
        start = (index - 1) * settings.chunk_size
        stop = min(start + settings.chunk_size, len(patients))
        yield ChunkTask(
            index=index,
            scenario=scenario,
            patient_ids=tuple(int(i) for i in patients.index[start:stop]),
            overrides=tuple(patient_overrides(patients.iloc[start:stop])),
            observables=settings.observables,
            keep_trajectories=start < settings.fan_patients,
            fan_points=settings.fan_points,
            engine_options=settings.engine_options,
            window_outcomes=settings.window_outcomes,
        )


def _chunk_rows(index: int, n: int, chunk_size: int) -> int:
    return min(chunk_size, n - (index - 1) * chunk_size)


def run_population(scenario: str | Path | Scenario, n: int, seed: int, out: str | Path,
                   settings: RunSettings | None = None,
                   distribution: PopulationDistribution | None = None,
                   engine: PopulationEngine | None = None,
                   patients: pd.DataFrame | None = None) -> PopulationRun:
    """Simulate ``scenario`` for ``n`` virtual patients drawn with ``seed``; write to ``out``.

    Writes ``patients.parquet``, chunk files, then ``outcomes.parquet``,
    ``quantiles.parquet``, ``summary.json``, ``fan_chart.png`` and
    ``outcome_histograms.png`` (see ``store`` for the layout). Values of the scenario's
    ``[patient]`` table are fixed for every patient (the scenario defines the cohort)
    and replace the sampled values of those parameters. ``engine`` overrides the
    population engine chosen from ``settings`` (the caller then closes it).
    ``patients`` (indexed by ``patient_id``, as ``sample_patients`` returns) replaces the
    draw: trials pass the patients that met their inclusion criteria; ``n`` and ``seed``
    are then only recorded.
    """
    started = time.perf_counter()
    settings = settings or RunSettings()
    settings.check()
    if n < 1:
        raise PopulationError(f"the number of patients must be at least 1, got {n}")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    distribution = distribution or load_distribution()
    folder = RunFolder(out)
    if patients is not None:
        n = len(patients)
    run_id = run_fingerprint(scenario, n, seed, settings, distribution, patients)
    previous = folder.read_manifest()
    if previous is not None and not settings.resume:
        raise PopulationError(f"{folder.root} already holds a population run; resume it "
                              "(--resume) or choose another output folder")
    if previous is not None and previous.get("run_id") != run_id:
        raise PopulationError(f"{folder.root} holds a different run (scenario "
                              f"{previous.get('scenario')!r}, n={previous.get('n')}, seed="
                              f"{previous.get('seed')}); resume only with the same scenario, "
                              "n, seed and chunk size, or choose another output folder")

    patients = sample_patients(n, seed, distribution) if patients is None else patients.copy()
    fixed = {name: float(scenario.patient[name]) for name in model_columns(patients)
             if name in scenario.patient}
    for name, value in fixed.items():
        patients[name] = value
    folder.prepare()
    write_table(folder.root / "patients.parquet", patients.reset_index(), run_id)

    chunks_total = math.ceil(n / settings.chunk_size)
    fan_chunks = math.ceil(min(settings.fan_patients, n) / settings.chunk_size)
    done = [k for k in range(1, chunks_total + 1)
            if folder.chunk_done(k, run_id, _chunk_rows(k, n, settings.chunk_size), k <= fan_chunks)]
    pending = [k for k in range(1, chunks_total + 1) if k not in set(done)]
    if settings.max_chunks is not None:
        pending = pending[: settings.max_chunks]
    manifest = {
        "format": FORMAT_VERSION, "run_id": run_id, "scenario": scenario.name, "n": n,
        "seed": seed, "chunk_size": settings.chunk_size, "chunks_total": chunks_total,
        "chunks_done": len(done), "status": "running", "distribution": distribution.source,
        "fixed_by_scenario": fixed,
    }

    own_engine = engine is None
    engine = engine or make_engine(settings, chunk_value_bytes(scenario, settings))
    manifest["engine"] = engine.description
    folder.write_manifest(manifest)
    simulated = 0
    try:
        from tqdm import tqdm

        with tqdm(total=n, initial=sum(_chunk_rows(k, n, settings.chunk_size) for k in done),
                  unit="patient", desc=f"population {scenario.name[:30]}",
                  disable=not settings.progress) as bar:
            for output in engine.run(_tasks(pending, patients, scenario, settings)):
                folder.write_chunk(output.index, run_id, output.outcomes, output.trajectories)
                simulated += 1
                manifest["chunks_done"] = len(done) + simulated
                folder.write_manifest(manifest)
                bar.update(len(output.outcomes))
    finally:
        if own_engine:
            engine.close()

    chunks_done = len(done) + simulated
    complete = chunks_done == chunks_total
    failed = 0
    if complete:
        failed = _finish(folder, run_id, scenario, n, seed, settings, distribution, fixed,
                         chunks_total, fan_chunks, engine.description)
        manifest["status"] = "complete"
        folder.write_manifest(manifest)
    return PopulationRun(folder.root, run_id, n, complete, chunks_total, chunks_done, simulated,
                         failed, time.perf_counter() - started, engine.description, fixed)


def _finish(folder: RunFolder, run_id: str, scenario: Scenario, n: int, seed: int,
            settings: RunSettings, distribution: PopulationDistribution, fixed: dict[str, float],
            chunks_total: int, fan_chunks: int, engine: str) -> int:
    """Merge the chunks, compute quantiles and the summary, draw the figures."""
    import pyarrow.parquet as pq

    outcomes_path = folder.root / "outcomes.parquet"
    merge_tables([folder.chunk_path(k) for k in range(1, chunks_total + 1)], outcomes_path, run_id)
    quantiles = fan_quantiles(folder, fan_chunks, settings.observables)
    write_table(folder.root / "quantiles.parquet", quantiles, run_id)

    errors = pq.read_table(outcomes_path, columns=["error"]).column("error").to_pylist()
    failed = sum(1 for e in errors if e)
    summary = {
        "scenario": scenario.name, "n": n, "seed": seed, "run_id": run_id,
        "failed_patients": failed, "engine": engine,
        "fixed_by_scenario": fixed,
        "distribution": {"source": distribution.source, "parameters": list(distribution.names)},
        "covariates": {c.name: {"unit": c.unit, "source": c.source} for c in COVARIATES},
        "fan_chart_patients": min(settings.fan_patients, n),
        "outcomes": _outcome_statistics(outcomes_path, settings.observables),
    }
    from neuroimmune.io import write_atomically

    write_atomically(folder.root / "summary.json",
                     json.dumps(summary, indent=2, allow_nan=False) + "\n")
    if settings.plots:
        from neuroimmune.population.plots import plot_fan_chart, plot_outcome_histograms

        plot_fan_chart(quantiles, scenario, folder.root / "fan_chart.png")
        plot_outcome_histograms(outcomes_path, scenario, folder.root / "outcome_histograms.png")
    return failed


def fan_quantiles(folder: RunFolder, fan_chunks: int, observables: tuple[str, ...]) -> pd.DataFrame:
    """Quantiles over the fan-chart sample at every kept time: long format."""
    frames = [pd.read_parquet(folder.trajectory_path(k)) for k in range(1, fan_chunks + 1)
              if folder.trajectory_path(k).exists()]
    columns = ["time_h", "observable", *(f"q{round(q * 100):02d}" for q in QUANTILES)]
    if not frames:
        return pd.DataFrame(columns=columns)
    data = pd.concat(frames, ignore_index=True)
    times = data.loc[data["patient_id"] == data["patient_id"].iloc[0], "time_h"].to_numpy()
    patients = len(data) // len(times)
    rows = []
    for name in observables:
        values = data[name].to_numpy().reshape(patients, len(times))
        levels = np.quantile(values, QUANTILES, axis=0)
        block = pd.DataFrame({"time_h": times, "observable": name})
        for q, level in zip(QUANTILES, levels, strict=True):
            block[f"q{round(q * 100):02d}"] = level
        rows.append(block)
    return pd.concat(rows, ignore_index=True)[columns]


def _number(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _outcome_statistics(path: Path, observables: tuple[str, ...]) -> dict[str, Any]:
    """Mean, SD and percentiles of each outcome, read one observable at a time: a read
    per column took 0.49 s for 24 observables x 6 metrics at N = 1,000, the whole
    statistics now 0.07 s (measured)."""
    import pyarrow.parquet as pq

    statistics: dict[str, Any] = {}
    for name in observables:
        entry: dict[str, Any] = {"unit": BY_NAME[name].unit}
        table = pq.read_table(path, columns=[column(name, metric) for metric in METRICS])
        for metric in METRICS:
            values = table.column(column(name, metric)).to_numpy()
            values = values[np.isfinite(values)]
            if not values.size:
                entry[metric] = {"n": 0}
                continue
            p5, p25, p50, p75, p95 = np.percentile(values, [5, 25, 50, 75, 95])
            entry[metric] = {
                "n": int(values.size), "mean": _number(values.mean()),
                "sd": _number(values.std(ddof=1)) if values.size > 1 else None,
                "p5": _number(p5), "p25": _number(p25), "median": _number(p50),
                "p75": _number(p75), "p95": _number(p95),
            }
        statistics[name] = entry
    return statistics
