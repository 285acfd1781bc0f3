"""Chunks on Dask workers: a local process pool by default, a remote cluster by address.

Each worker process compiles the model once and keeps its engine between chunks
(``chunk.worker_engine``); one thread per worker, because libRoadRunner is not
thread-safe and the solver is CPU-bound. At most ``in_flight_per_worker`` chunks per
worker are submitted at a time and each output is released once handed back, so the
scheduler and this process hold a bounded amount however many patients there are.

A worker runs its chunks on libRoadRunner, patient by patient (the default engine),
or as one batched solve per chunk (``("engine", "batched")``, JAX). Local workers are
pinned one to a core and keep glibc's own memory tuning (``_local_cluster``,
``DaskPoolEngine._pin_workers``): without both, two batched workers on two cores ran
no faster than one.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from neuroimmune.population.chunk import ChunkOutput, ChunkTask, simulate_chunk
from neuroimmune.population.engine_base import PopulationEngine

WORKER_ALLOCATOR = {"MALLOC_TRIM_THRESHOLD_": None, "MALLOC_ARENA_MAX": "1"}
"""glibc settings of local workers (None: unset). Dask sets ``MALLOC_TRIM_THRESHOLD_=65536``
(to hand freed memory back sooner); any such setting also freezes glibc's mmap
threshold, so every large array of a batched solve became a fresh mapping: a
1,000-patient lps_2ngkg batch took 1.42-1.51 s instead of 1.10 s (measured, thresholds
from 64 KiB to 128 MiB). One malloc arena per worker (one task thread; XLA's threads
otherwise get arenas of their own) held a batched worker at 682 MiB instead of 806 MiB
after four 1,024-patient chunks, at the same speed."""


@contextlib.contextmanager
def _environment(values: dict[str, str | None]) -> Iterator[None]:
    """``os.environ`` with ``values`` set (None: removed) inside, as it was outside."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        _set(values)
        yield
    finally:
        _set(saved)


def _set(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _local_cluster(workers: int):
    """A ``LocalCluster`` of ``workers`` one-thread processes with ``WORKER_ALLOCATOR``.

    Dask takes a worker's environment from this process's (which it prefers) and its
    ``pre-spawn-environ`` setting; both are set for the start only.
    """
    import dask
    from dask.distributed import LocalCluster

    spawn = {f"distributed.nanny.pre-spawn-environ.{name}": value
             for name, value in WORKER_ALLOCATOR.items()}
    with _environment(WORKER_ALLOCATOR), dask.config.set(spawn):
        # ":0": any free port for the scheduler's HTTP endpoint, which it starts even
        # without a dashboard (on 8787 by default, busy wherever another cluster runs)
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            dashboard_address=":0", silence_logs=logging.ERROR)


def pin_process(core: int) -> None:
    """Keep every thread of this process, and the threads it starts later, on ``core``."""
    for thread in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            os.sched_setaffinity(int(thread.name), {core})


class DaskPoolEngine(PopulationEngine):
    """``workers`` local worker processes (``LocalCluster``), or the cluster at ``scheduler_address``."""

    def __init__(self, workers: int = 2, scheduler_address: str | None = None,
                 in_flight_per_worker: int = 2, connect_timeout_s: float = 30.0) -> None:
        from dask.distributed import Client

        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._cluster = None
        if scheduler_address:
            self._client = Client(scheduler_address, timeout=connect_timeout_s)
            where = f"Dask cluster at {scheduler_address}"
        else:
            self._cluster = _local_cluster(workers)
            self._client = Client(self._cluster)
            cores = self._pin_workers()
            where = f"local Dask cluster, {workers} worker processes x 1 thread{cores}"
        self._description = where
        self._in_flight_per_worker = in_flight_per_worker

    def _pin_workers(self) -> str:
        """Each local worker on a core of its own (round robin), before any work.

        XLA runs a batched solve on a thread pool as wide as the cores it may use, and
        its threads wait by spinning: unpinned, one batched worker burns 1.5 cores for
        the work of one (measured), and two of them slow each other down instead of
        running twice as fast. Pinned, two batched workers each run at full speed
        (1,000 patients of lps_2ngkg: 1.22 s each side by side, 1.23 s alone
        unpinned). For libRoadRunner, single-threaded, pinning changes nothing.
        """
        if not hasattr(os, "sched_setaffinity"):
            return ""
        cores = sorted(os.sched_getaffinity(0))
        workers = sorted(self._client.scheduler_info().get("workers", {}))
        for index, address in enumerate(workers):
            self._client.run(pin_process, cores[index % len(cores)], workers=[address])
        return ", one core each" if len(workers) <= len(cores) else ", sharing cores"

    @property
    def description(self) -> str:
        return self._description

    def _window(self) -> int:
        workers = len(self._client.scheduler_info().get("workers", {})) or 1
        return max(1, workers * self._in_flight_per_worker)

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkOutput]:
        from dask.distributed import as_completed

        tasks = iter(tasks)
        pending = as_completed()
        submitted = set()

        def submit(task: ChunkTask) -> None:
            future = self._client.submit(simulate_chunk, task, pure=False,
                                         key=f"neuroimmune-chunk-{task.index}-{id(task)}")
            submitted.add(future)
            pending.add(future)

        try:
            for task in islice(tasks, self._window()):
                submit(task)
            for future in pending:
                output = future.result()
                submitted.discard(future)
                future.release()
                following = next(tasks, None)
                if following is not None:
                    submit(following)
                yield output
        finally:
            for future in submitted:
                future.cancel()

    def warm_up(self, task: ChunkTask) -> None:
        """Run ``task`` once on every worker, so that each has compiled its engine and
        found its reference rest before a timed run (what a long-lived cluster has
        between runs); the outputs are discarded."""
        self._client.run(simulate_chunk, task)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
