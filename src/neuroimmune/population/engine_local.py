"""Chunks one after another in this process: no Dask, no extra processes.

The reference implementation (the default engine in a loop), for debugging, tests
and machines where starting worker processes is not wanted (``--workers 0``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from neuroimmune.engines.base import Engine
from neuroimmune.population.chunk import ChunkOutput, ChunkTask, simulate_chunk
from neuroimmune.population.engine_base import PopulationEngine


class InProcessEngine(PopulationEngine):
    """Simulates each chunk in the calling process with ``engine`` (or the process's cached one)."""

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine = engine

    @property
    def description(self) -> str:
        return "in process, one chunk at a time"

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkOutput]:
        for task in tasks:
            yield simulate_chunk(task, self._engine)
