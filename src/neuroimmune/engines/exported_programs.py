"""Traced JAX programs kept on disk, so that a fresh process skips tracing them.

XLA's persistent cache (``jax_engine._use_compilation_cache``) keeps compiled code, but
JAX must still trace and lower a program in every process to find it there: for a
diffrax solve 0.3-0.7 s of tracing and 0.1-0.2 s of lowering per batch shape, about
5 s before a fresh population worker's first ``lps_2ngkg`` chunk (seven shapes).
``jax.export`` serializes a traced and lowered program; a process that deserializes
it only compiles it, which the persistent cache answers (0.16 s against 0.71 s for a
1,024-patient resting day, measured). The program is the same, and so are its
numbers, bit for bit (``tests/engines/test_exported_programs.py``).

A file is keyed by what the program is made of: the caller's ``identity`` (the model
source, solver settings and the code that builds the solve), the argument shapes and
static values, and the versions of JAX and its libraries and the backend. It is kept
in ``<NEUROIMMUNE_JAX_CACHE>/exported`` and written atomically, so no process reads a
half-written file; a file that does not load is exported again and replaced. Without
the ``flatbuffers`` package (which serialization needs), or when a program cannot be
exported, the program runs as a plain ``jax.jit``; a folder that cannot be written
only means tracing in every process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from neuroimmune.io import atomic_output

SUFFIX = ".jaxexport"


def exported_folder() -> Path:
    """Where exported programs are kept: beside XLA's compiled code."""
    root = os.environ.get("NEUROIMMUNE_JAX_CACHE",
                          str(Path.home() / ".cache" / "neuroimmune" / "jax"))
    return Path(root) / "exported"


@lru_cache(maxsize=1)
def _toolchain() -> str:
    """The libraries a traced program depends on, and the backend it was lowered for."""
    import jax

    versions = []
    for package in ("jax", "jaxlib", "diffrax", "equinox", "lineax", "optimistix"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{package}={metadata.version(package)}")
    flags = f"x64={jax.config.jax_enable_x64} eqx_on_error={os.environ.get('EQX_ON_ERROR')}"
    return " ".join([*versions, jax.default_backend(), flags])


def _describe(argument: Any) -> str:
    """An argument as tracing sees it: an array's shape and type, a Python scalar's type."""
    shape, dtype = getattr(argument, "shape", None), getattr(argument, "dtype", None)
    if shape is not None and dtype is not None:
        return f"{dtype}{list(shape)}"
    return type(argument).__name__


@lru_cache(maxsize=1)
def serialization_available() -> bool:
    """Whether ``jax.export`` can serialize here (it needs the ``flatbuffers`` package)."""
    try:
        import flatbuffers  # noqa: F401
    except ImportError:
        return False
    return True


class ExportedProgram:
    """``jax.jit(function, static_argnums=...)`` whose traced programs, one per argument
    signature, are loaded from or saved to ``folder`` (None, or no serialization: plain
    ``jax.jit``). After a program that cannot be exported, the others run as plain
    ``jax.jit`` without trying (a failed export costs a lowering).

    Thread-safe: a signature is traced, or loaded, once per instance.
    """

    def __init__(self, function: Callable, identity: str, static_argnums: Sequence[int] = (),
                 folder: Path | None = None) -> None:
        import jax

        self._jitted = jax.jit(function, static_argnums=tuple(static_argnums))
        self._static = frozenset(static_argnums)
        self._identity = identity
        self._folder = folder if serialization_available() else None
        self._programs: dict[str, Callable | None] = {}
        self._lock = threading.Lock()

    def __call__(self, *arguments: Any) -> Any:
        signature = " ".join(repr(a) if i in self._static else _describe(a)
                             for i, a in enumerate(arguments))
        with self._lock:
            if signature not in self._programs:
                self._programs[signature] = self._exported(signature, arguments)
            program = self._programs[signature]
        if program is None:
            return self._jitted(*arguments)
        return program(*(a for i, a in enumerate(arguments) if i not in self._static))

    def signatures(self) -> int:
        """How many argument signatures have a program here (traced or loaded)."""
        with self._lock:
            return len(self._programs)

    def path(self, signature: str) -> Path | None:
        """The file of the program for ``signature`` (None without a folder)."""
        if self._folder is None:
            return None
        key = hashlib.sha256("\n".join((_toolchain(), self._identity, signature)).encode())
        return self._folder / f"{key.hexdigest()[:32]}{SUFFIX}"

    def _exported(self, signature: str, arguments: tuple[Any, ...]) -> Callable | None:
        """The program for ``arguments``, loaded or exported (and saved); None: plain jit."""
        import jax
        from jax import export

        path = self.path(signature)
        if path is None:
            return None
        if path.exists():
            try:
                return jax.jit(export.deserialize(bytearray(path.read_bytes())).call)
            except Exception:  # damaged or unreadable: exported again below
                pass
        try:
            exported = export.export(self._jitted)(*arguments)
            blob = exported.serialize()
        except Exception:  # not exportable here: jax.jit traces it as usual
            self._folder = None
            return None
        with contextlib.suppress(OSError):  # unwritable: the next process traces again
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_output(path, binary=True) as stream:
                stream.write(blob)
        return jax.jit(exported.call)

