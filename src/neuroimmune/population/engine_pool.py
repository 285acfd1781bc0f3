"""Chunks on Dask workers: a local process pool by default, a remote cluster by address.

Each worker process compiles the model once and keeps its engine between chunks
(``chunk.worker_engine``); one thread per worker, because libRoadRunner is not
thread-safe and the solver is CPU-bound. At most ``in_flight_per_worker`` chunks per
worker are submitted at a time and each output is released once handed back, so the
scheduler and this process hold a bounded amount however many patients there are.

Why a process pool of libRoadRunner instances and not a batched (vectorised) solver:
the model is stiff (antibody binding, fast receptor kinetics), so an explicit batched
solver would need tiny steps, and implicit batched solvers on CPU run many times
slower than CVODE in a loop (see issue 5); per patient, most time goes to the burn-in
to that patient's own resting state, which a pool parallelises as well as anything.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from itertools import islice

from neuroimmune.population.chunk import ChunkOutput, ChunkTask, simulate_chunk
from neuroimmune.population.engine_base import PopulationEngine


class DaskPoolEngine(PopulationEngine):
    """``workers`` local worker processes (``LocalCluster``), or the cluster at ``scheduler_address``."""

    def __init__(self, workers: int = 2, scheduler_address: str | None = None,
                 in_flight_per_worker: int = 2, connect_timeout_s: float = 30.0) -> None:
        from dask.distributed import Client, LocalCluster

        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._cluster = None
        if scheduler_address:
            self._client = Client(scheduler_address, timeout=connect_timeout_s)
            where = f"Dask cluster at {scheduler_address}"
        else:
            # ":0": any free port for the scheduler's HTTP endpoint, which it starts even
            # without a dashboard (on 8787 by default, busy wherever another cluster runs)
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                         dashboard_address=":0", silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
            where = f"local Dask cluster, {workers} worker processes x 1 thread"
        self._description = where
        self._in_flight_per_worker = in_flight_per_worker

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
