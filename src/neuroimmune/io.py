"""Writing results to disk without ever leaving a half-written file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from neuroimmune.result import SimulationResult


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_timecourse(result: SimulationResult, path: Path) -> None:
    """The observables as CSV, one row per output time, full double precision."""
    write_atomically(path, result.to_pandas().to_csv(index=False, float_format="%.10g"))
