"""libRoadRunner models compiled once per machine, not once per process.

Compiling the model's SBML with LLVM takes about a second, and every process that
simulates pays it: each population worker, each ``neuroimmune simulate``, the batched
engine's narrow days, each test module. libRoadRunner saves a freshly compiled
instance, machine code included, as a state file (``saveState``) that loads in about
20 ms (``loadState``). A loaded instance computes the same numbers bit for bit as one
compiled afresh (checked on four scenarios and in ``tests/engines``).

The file is keyed by the SBML text, the libRoadRunner version and this machine's
processor (the machine code is compiled for it), and kept in
``NEUROIMMUNE_ROADRUNNER_CACHE`` (default ``~/.cache/neuroimmune/roadrunner``). It is
written atomically, so a process never loads a half-written file; a file that does not
load is compiled anew and replaced, and a folder that cannot be written only means
compiling every time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
from functools import lru_cache
from pathlib import Path

import roadrunner

from neuroimmune.io import atomic_path

CACHE_VARIABLE = "NEUROIMMUNE_ROADRUNNER_CACHE"


def cache_folder() -> Path:
    """The folder of this machine's compiled instances (``CACHE_VARIABLE`` or the default)."""
    return Path(os.environ.get(CACHE_VARIABLE,
                               Path.home() / ".cache" / "neuroimmune" / "roadrunner"))


@lru_cache(maxsize=1)
def _processor() -> str:
    """What the compiled code depends on: the architecture and its instruction sets."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return f"{platform.machine()} {line.split(':', 1)[1].strip()}"
    return f"{platform.machine()} {platform.processor()}"


def state_path(sbml: str) -> Path:
    """Where the compiled instance of ``sbml`` is kept on this machine."""
    key = hashlib.sha256("\n".join((roadrunner.__version__, _processor(), sbml)).encode())
    return cache_folder() / f"{key.hexdigest()[:32]}.rrstate"


def compiled_runner(sbml: str) -> roadrunner.RoadRunner:
    """A fresh libRoadRunner instance of ``sbml``: loaded from this machine's cache, or
    compiled (and then kept for the next process)."""
    path = state_path(sbml)
    if path.exists():
        runner = roadrunner.RoadRunner()
        try:
            runner.loadState(str(path))
            return runner
        except RuntimeError:  # damaged or foreign: compile anew and replace it
            pass
    runner = roadrunner.RoadRunner(sbml)
    with contextlib.suppress(OSError, RuntimeError):
        _save(runner, path)
    return runner


def _save(runner: roadrunner.RoadRunner, path: Path) -> None:
    """``runner``'s state at ``path``, written under another name and then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        runner.saveState(str(temporary))
