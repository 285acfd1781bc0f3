"""The population engine interface: run chunk tasks somewhere, hand back their outputs.

A population engine decides *where* chunks run (this process, a local pool of worker
processes, a remote Dask cluster); *what* a chunk does is ``simulate_chunk``, the same
everywhere, on the single-patient ``neuroimmune.engines.Engine`` of the process that
runs it. Outputs come back in completion order, not task order; the caller writes
each one as it arrives, so nothing waits on the slowest chunk and memory stays flat.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from types import TracebackType

from neuroimmune.population.chunk import ChunkOutput, ChunkTask


class PopulationEngine(ABC):
    """Runs ``ChunkTask``s and yields their ``ChunkOutput``s as they complete."""

    @abstractmethod
    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkOutput]:
        """Outputs in completion order. ``tasks`` is consumed lazily (a bounded number in
        flight), and closing the iterator early cancels what has not started."""

    @property
    @abstractmethod
    def description(self) -> str:
        """Where the chunks run, in words (written to the manifest)."""

    def close(self) -> None:  # noqa: B027 - optional hook: engines without resources keep it
        """Release workers or clusters this engine started (nothing by default)."""

    def __enter__(self) -> PopulationEngine:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
