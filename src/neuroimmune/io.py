"""Writing results to disk without ever leaving a half-written file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from neuroimmune.result import SimulationResult

FILE_MODE = 0o644


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary file beside ``path`` for a writer that takes a file name, renamed
    into place only on success.

    A crash or error mid-write leaves any earlier file at ``path`` untouched and no
    temporary file behind.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        os.chmod(temporary, FILE_MODE)
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_output(path: str | os.PathLike[str], binary: bool = False) -> Iterator[IO]:
    """A stream to a temporary file beside ``path``, flushed to disk and renamed into
    place only on success (``atomic_path``)."""
    with atomic_path(path) as temporary, open(
            temporary, "wb" if binary else "w", encoding=None if binary else "utf-8") as stream:
        yield stream
        stream.flush()
        os.fsync(stream.fileno())


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` through ``atomic_output``."""
    with atomic_output(path) as stream:
        stream.write(text)


def write_timecourse(result: SimulationResult, path: str | os.PathLike[str]) -> None:
    """The observables as CSV, one row per output time, full double precision."""
    write_atomically(path, result.to_pandas().to_csv(index=False, float_format="%.10g"))
