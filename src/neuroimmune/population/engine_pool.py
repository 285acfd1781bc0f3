"""Chunks on Dask workers: a local process pool by default, a remote cluster by address.

Each worker process compiles the model once and keeps its engine between chunks
(``chunk.worker_engine``). libRoadRunner workers run one thread each (the solver is
CPU-bound and holds the GIL); a batched worker may run chunks in several threads,
which share its compiled solves. At most ``in_flight_per_worker`` chunks per
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

from neuroimmune.population.chunk import ChunkOutput, ChunkTask, simulate_chunk, warm_up_chunk
from neuroimmune.population.engine_base import PopulationEngine

SINGLE_THREADED_XLA = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
"""XLA flags of local workers: each batched solve runs on the thread that asked for it.
XLA otherwise spreads a solve over a thread pool as wide as the process's cores, whose
threads wait by spinning; with two chunk threads in one process, four chunks of 1,024
lps_2ngkg patients took 3.36 s with these flags, 3.80 s without (measured)."""

WORKER_ALLOCATOR = {"MALLOC_TRIM_THRESHOLD_": None}
"""glibc settings of local workers (None: unset). Dask sets ``MALLOC_TRIM_THRESHOLD_=65536``
(to hand freed memory back sooner); any such setting also freezes glibc's mmap
threshold, so every large array of a batched solve became a fresh mapping: a
1,000-patient lps_2ngkg batch took 1.42-1.51 s instead of 1.10 s (measured, thresholds
from 64 KiB to 128 MiB). Workers also get one malloc arena per chunk thread
(``MALLOC_ARENA_MAX``; XLA's threads otherwise get arenas of their own): a one-thread
batched worker held 682 MiB instead of 806 MiB after four 1,024-patient chunks, at
the same speed."""


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


def _local_cluster(workers: int, threads: int):
    """A ``LocalCluster`` of ``workers`` processes of ``threads`` threads, with
    ``WORKER_ALLOCATOR``.

    Dask takes a worker's environment from this process's (which it prefers) and its
    ``pre-spawn-environ`` setting; both are set for the start only.
    """
    import dask
    from dask.distributed import LocalCluster

    environment = dict(WORKER_ALLOCATOR, MALLOC_ARENA_MAX=str(threads))
    environment["XLA_FLAGS"] = " ".join(filter(None, [os.environ.get("XLA_FLAGS"),
                                                      SINGLE_THREADED_XLA]))
    spawn = {f"distributed.nanny.pre-spawn-environ.{name}": value
             for name, value in environment.items()}
    with _environment(environment), dask.config.set(spawn):
        # ":0": any free port for the scheduler's HTTP endpoint, which it starts even
        # without a dashboard (on 8787 by default, busy wherever another cluster runs).
        # CRITICAL: a worker whose heartbeat meets the closing scheduler logs a traceback
        # at ERROR on a clean shutdown (dask/distributed#7105); a failed chunk still
        # reaches the client as its task's exception.
        return LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True,
                            dashboard_address=":0", silence_logs=logging.CRITICAL)


def pin_process(cores: set[int]) -> None:
    """Keep every thread of this process, and the threads it starts later, on ``cores``."""
    for thread in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            os.sched_setaffinity(int(thread.name), cores)


class DaskPoolEngine(PopulationEngine):
    """``workers`` local worker processes (``LocalCluster``), or the cluster at ``scheduler_address``."""

    def __init__(self, workers: int = 2, scheduler_address: str | None = None,
                 in_flight_per_worker: int = 2, connect_timeout_s: float = 30.0,
                 threads_per_worker: int = 1) -> None:
        """``threads_per_worker`` above 1 only for engines that are safe to share between
        threads (the batched engine; libRoadRunner is not)."""
        from dask.distributed import Client

        if workers < 1 or threads_per_worker < 1:
            raise ValueError(f"workers and threads per worker must be at least 1, got "
                             f"{workers} and {threads_per_worker}")
        self._cluster = None
        if scheduler_address:
            self._client = Client(scheduler_address, timeout=connect_timeout_s)
            where = f"Dask cluster at {scheduler_address}"
        else:
            self._cluster = _local_cluster(workers, threads_per_worker)
            self._client = Client(self._cluster)
            cores = self._pin_workers(threads_per_worker)
            where = (f"local Dask cluster, {workers} worker process"
                     f"{'es' if workers > 1 else ''} x {threads_per_worker} "
                     f"thread{'s' if threads_per_worker > 1 else ''}{cores}")
        self._description = where
        self._in_flight_per_worker = in_flight_per_worker

    def _pin_workers(self, threads: int) -> str:
        """Each local worker on cores of its own (``threads`` each, round robin), before
        any work.

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
            mine = {cores[(index * threads + k) % len(cores)] for k in range(threads)}
            self._client.run(pin_process, mine, workers=[address])
        each = "one core each" if threads == 1 else f"{threads} cores each"
        return f", {each}" if len(workers) * threads <= len(cores) else ", sharing cores"

    @property
    def description(self) -> str:
        return self._description

    def _window(self) -> int:
        """Chunks in flight: ``in_flight_per_worker`` per worker thread."""
        workers = self._client.scheduler_info().get("workers", {}).values()
        threads = sum(worker.get("nthreads", 1) for worker in workers) or 1
        return max(1, threads * self._in_flight_per_worker)

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
        between runs; ``chunk.warm_up_chunk``); the outputs are discarded."""
        self._client.run(warm_up_chunk, task)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
