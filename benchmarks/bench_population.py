"""Virtual patients per second, as ratios to a plain libRoadRunner loop, in one run.

Cases, for a 24 h ``lps_2ngkg`` and a 12-week ``ifn_alpha_therapy``:
  plain libRoadRunner   the exported SBML (``resting_sbml()``: the default patient's rest)
                        in a Python loop, parameters set per patient, doses added between
                        segments: the reference a user would write. It skips each
                        patient's burn-in to their own resting state, so it is faster
                        than, and not the same answer as, the engines below.
  default engine loop   ``neuroimmune.simulate`` per patient (full burn-in each), on a
                        fresh engine per scenario (no resting states cached).
  pool                  ``run_population`` on a local Dask cluster (2 worker processes),
                        chunks of 100, Parquet chunk files, merge and summary included;
                        cluster start-up reported apart.
  pool, warm start      the same with ``RoadRunnerEngine(burn_in_h=96, warm_start=True)``
                        per worker: faster, approximate (slow states keep the default
                        patient's rest; see docs/population.md).
  batched, 1 process    ``JaxBatchedEngine.simulate_batch`` in this process over chunks of
                        N/2 patients (at most 1024; rest by shooting included); "start s"
                        is a first pass over one chunk (compilation, or loading compiled
                        solves from the disk cache, and the reference rest).
  pool, batched         ``run_population --engine batched`` with the same chunks on the
                        2-worker cluster (``--engine batched``'s layout on 2 cores),
                        outcomes and Parquet included; each worker
                        compiles and finds its reference rest inside the timed run.
  pool, batched, warm   the same on a cluster whose workers have each run one chunk of
                        other patients first and compiled their rest days at every
                        batch width (``DaskPoolEngine.warm_up``: a long-lived cluster
                        between runs); "start s" is cluster start and warm-up.
  pool (1 x 2 threads)  the batched cases on one worker process running two chunks at
                        once in threads (``--engine batched``'s layout where memory
                        lacks room for a process per core: one set of compiled solves
                        instead of two).
Peak memory: proportional set size (shared pages counted once) of the workers plus what
this process grew by during the case (sampled every 0.1 s with psutil), per pool case:
memory earlier cases left in this process does not count against a later one.

Run: ``python benchmarks/bench_population.py [--n 1000] [--large 10000]``
(``--large`` adds pool and plain-loop rows for lps_2ngkg at that N).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
import roadrunner

import neuroimmune as ni
from neuroimmune.engines import RoadRunnerEngine
from neuroimmune.engines.base import SimulationError
from neuroimmune.engines.jax_engine import JaxBatchedEngine
from neuroimmune.model.compose import compose
from neuroimmune.observables import OBSERVABLES
from neuroimmune.population import RunSettings, patient_overrides, run_population, sample_patients
from neuroimmune.population.chunk import ChunkTask
from neuroimmune.population.engine_pool import DaskPoolEngine
from neuroimmune.population.run import BATCHED_THREADS
from neuroimmune.sbml_export import resting_sbml
from neuroimmune.scenarios import load_scenario
from neuroimmune.scenarios.schedule import scenario_events
from neuroimmune.simulation import OBSERVABLE_SYMBOLS, output_times, patient_inputs

SEED = 1
WORKERS = 2


class PeakMemory:
    """Peak memory of the children plus this process's growth while active.

    Summed as proportional set sizes (PSS): a page that several processes share (the
    code of jaxlib, libRoadRunner, NumPy and Python, about 0.2 GiB per batched worker)
    counts once in the sum, split among them, as the machine holds it once. The sum of
    resident set sizes (RSS) counts it once per process; it is kept as ``peak_rss``.

    Reading a batched worker's PSS costs about 20 ms of kernel time (its page tables
    are walked), against 0.01 ms for its RSS: at every sample it took a fifth of a core
    from a two-core run and slowed the pools measured. So the RSS sum is sampled every
    ``interval_s``, and the PSS sum only when the RSS sum reaches a new high (by
    ``PSS_STEP``) or ``PSS_EVERY_S`` after the last reading; the shared pages stay put
    once the workers have started, so the PSS peak falls with an RSS peak.
    """

    PSS_STEP = 4 << 20
    PSS_EVERY_S = 5.0

    def __init__(self, interval_s: float = 0.1) -> None:
        self.peak = self.peak_rss = 0
        before = psutil.Process().memory_full_info()
        self.before, self.before_rss = before.pss, before.rss
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        high, last_pss = -1, -math.inf
        while not self._stop.is_set():
            processes = [me, *me.children(recursive=True)]
            rss = self._summed(processes, "memory_info", "rss") - self.before_rss
            self.peak_rss = max(self.peak_rss, rss)
            now = time.monotonic()
            if rss > high + self.PSS_STEP or now - last_pss >= self.PSS_EVERY_S:
                high, last_pss = max(high, rss), now
                pss = self._summed(processes, "memory_full_info", "pss") - self.before
                self.peak = max(self.peak, pss)
            self._stop.wait(self._interval)

    @staticmethod
    def _summed(processes: list[psutil.Process], reading: str, field: str) -> int:
        total = 0
        for process in processes:
            with contextlib.suppress(psutil.Error):
                total += getattr(getattr(process, reading)(), field)
        return total

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def plain_runner(scenario) -> roadrunner.RoadRunner:
    """The exported SBML loaded once (not timed, like the pool's start-up)."""
    runner = roadrunner.RoadRunner(resting_sbml(clock_start_h=scenario.clock_start_h))
    runner.integrator.relative_tolerance = 1e-6
    runner.integrator.absolute_tolerance = 1e-12
    return runner


def plain_roadrunner_loop(runner: roadrunner.RoadRunner, scenario,
                          overrides: list[dict[str, float]]) -> None:
    times = output_times(scenario)
    defaults = compose().default_values()
    for patient in overrides:
        runner.resetAll()
        for name, value in patient.items():
            runner[name] = value
        events = scenario_events(scenario, defaults | patient)
        bounds = sorted({e.time_h for e in events if e.time_h < times[-1]} | {0.0, times[-1]})
        for start, stop in itertools.pairwise(bounds):
            for event in events:
                if event.time_h == start:
                    runner[event.target] = runner[event.target] + event.value
            inside = times[(times >= start) & (times <= stop)]
            runner.simulate(times=np.unique(np.concatenate(([start], inside, [stop]))))


def default_engine_loop(engine: RoadRunnerEngine, scenario, overrides: list[dict[str, float]]) -> None:
    for patient in overrides:
        with contextlib.suppress(SimulationError):  # no rest: reported, as in a population run
            ni.simulate(scenario, engine=engine, **patient)


def batch_size(n: int) -> int:
    """Chunks for the batched cases: one per worker, at most 1024 patients."""
    return min(1024, -(-n // WORKERS))


def batched_loop(engine: JaxBatchedEngine, scenario, overrides: list[dict[str, float]],
                 size: int) -> None:
    times = output_times(scenario)
    for first in range(0, len(overrides), size):
        inputs = [patient_inputs(scenario, o) for o in overrides[first : first + size]]
        engine.simulate_batch([p for p, _ in inputs], [e for _, e in inputs], times,
                              OBSERVABLE_SYMBOLS)


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


@dataclass(frozen=True)
class PoolRun:
    """One ``run_population`` on a fresh local cluster, as measured."""

    startup_s: float
    seconds: float
    peak_bytes: int  # the workers plus this process's growth during the run (PSS)
    before_bytes: int  # this process before the run (PSS)
    peak_rss_bytes: int  # the same peak as a sum of resident set sizes
    failed: int


def warm_up_task(scenario, size: int, engine_options) -> ChunkTask:
    """A chunk of ``size`` patients of another seed, to warm the workers with."""
    return ChunkTask(0, scenario, tuple(range(size)),
                     tuple(patient_overrides(sample_patients(size, SEED + 1))),
                     tuple(o.name for o in OBSERVABLES), engine_options=engine_options)


def pool_run(scenario, n: int, engine_options=(), chunk_size: int = 100,
             workers: int = WORKERS, plots: bool = False, warm: bool = False,
             threads: int = 1) -> PoolRun:
    with PeakMemory() as memory:
        start = time.perf_counter()
        engine = DaskPoolEngine(workers, threads_per_worker=threads)
        if warm:
            engine.warm_up(warm_up_task(scenario, chunk_size, engine_options))
        startup = time.perf_counter() - start
        try:
            with tempfile.TemporaryDirectory() as out:
                settings = RunSettings(chunk_size=chunk_size, progress=False, plots=plots,
                                       engine_options=engine_options)
                start = time.perf_counter()
                run = run_population(scenario, n, SEED, Path(out), settings, engine=engine)
                seconds = time.perf_counter() - start
        finally:
            engine.close()
    return PoolRun(startup, seconds, memory.peak, memory.before, memory.peak_rss, run.failed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--large", type=int, default=0, help="also lps_2ngkg at this N (pool, plain)")
    arguments = parser.parse_args()

    rows = []
    plans = [("lps_2ngkg", arguments.n), ("ifn_alpha_therapy", arguments.n)]
    if arguments.large:
        plans.append(("lps_2ngkg", arguments.large))
    for name, n in plans:
        scenario = load_scenario(name)
        overrides = patient_overrides(sample_patients(n, SEED))
        runner = plain_runner(scenario)
        reference = timed(lambda r=runner, s=scenario, o=overrides: plain_roadrunner_loop(r, s, o))
        cases = [("plain libRoadRunner loop", reference, None, None)]
        if n == arguments.n:
            engine = RoadRunnerEngine()  # fresh: no resting states cached from another case
            ni.simulate(scenario, engine=engine)
            cases.append(("default engine loop", timed(
                lambda e=engine, s=scenario, o=overrides: default_engine_loop(e, s, o)), None, None))
        pool = pool_run(scenario, n)
        cases.append((f"pool ({WORKERS} workers)", pool.seconds, pool.startup_s, pool.peak_bytes))
        if n == arguments.n:
            pool = pool_run(scenario, n, (("burn_in_h", 96.0), ("warm_start", True)))
            cases.append((f"pool ({WORKERS} workers), warm start 96 h", pool.seconds,
                          pool.startup_s, pool.peak_bytes))
        batched, size = JaxBatchedEngine(), batch_size(n)
        warm = timed(lambda e=batched, s=scenario, o=overrides[:size], k=size:
                     batched_loop(e, s, o, k))
        cases.append(("batched, 1 process", timed(
            lambda e=batched, s=scenario, o=overrides, k=size: batched_loop(e, s, o, k)),
            warm, None))
        pool = pool_run(scenario, n, (("engine", "batched"),), size)
        cases.append((f"pool ({WORKERS} workers), batched", pool.seconds, pool.startup_s,
                       pool.peak_bytes))
        pool = pool_run(scenario, n, (("engine", "batched"),), size, warm=True)
        cases.append((f"pool ({WORKERS} workers), batched, warm", pool.seconds,
                      pool.startup_s, pool.peak_bytes))
        for warm in (False, True):
            pool = pool_run(scenario, n, (("engine", "batched"),), size, 1, warm=warm,
                            threads=BATCHED_THREADS)
            cases.append((f"pool (1 x {BATCHED_THREADS} threads), batched"
                          + (", warm" if warm else ""), pool.seconds, pool.startup_s,
                          pool.peak_bytes))
        for label, seconds, startup, peak in cases:
            rows.append((name, n, label, seconds, n / seconds, reference / seconds, startup, peak))
        print(f"done: {name} N={n}", flush=True)

    print(f"\n{'scenario':<18} {'N':>6}  {'case':<40} {'s':>8} {'patients/s':>10} "
          f"{'x plain':>8} {'start s':>8} {'peak MiB':>9}")
    for name, n, label, seconds, rate, ratio, startup, peak in rows:
        start = f"{startup:8.1f}" if startup is not None else f"{'':>8}"
        memory = f"{peak / 2**20:9.0f}" if peak is not None else f"{'':>9}"
        print(f"{name:<18} {n:>6}  {label:<40} {seconds:8.1f} {rate:10.1f} {ratio:8.2f} {start} {memory}")


if __name__ == "__main__":
    main()
