"""Where the human data sets are read from, and what each one is.

The package ships its own copies in ``evidence/data/``: one tidy CSV per data set with a
metadata file beside it (``<name>.toml``: citation, DOI, figure or table, how values were
obtained, units, n, licence, evidence rows). A user may point the package at a folder of
their own with ``NEUROIMMUNE_DATA`` or an explicit ``folder`` argument (the CLI's
``--data``); a file missing there is reported with every place it was looked for.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

ENVIRONMENT_VARIABLE = "NEUROIMMUNE_DATA"
METADATA_FIELDS = ("title", "citation", "doi", "source", "obtained", "units", "n", "licence",
                   "evidence")


class DataNotFoundError(FileNotFoundError):
    """A data file is missing from every folder it was looked for in."""


def packaged_folder() -> Path:
    """The data shipped inside the package."""
    return Path(str(resources.files("neuroimmune.evidence").joinpath("data")))


def data_folders(folder: str | Path | None = None) -> list[Path]:
    """Folders to search, first match wins: the explicit one, ``$NEUROIMMUNE_DATA``, the package's."""
    folders = []
    if folder is not None:
        folders.append(Path(folder))
    if os.environ.get(ENVIRONMENT_VARIABLE):
        folders.append(Path(os.environ[ENVIRONMENT_VARIABLE]))
    folders.append(packaged_folder())
    return folders


def data_path(name: str, folder: str | Path | None = None) -> Path:
    """The path of data file ``name``; raise ``DataNotFoundError`` naming every place tried."""
    tried = [candidate / name for candidate in data_folders(folder)]
    for path in tried:
        if path.is_file():
            return path
    places = ", ".join(str(p) for p in tried)
    raise DataNotFoundError(
        f"data file {name} not found (looked in: {places}); set {ENVIRONMENT_VARIABLE} or pass "
        "--data to a folder that holds it, or reinstall the package to restore its copy"
    )


def file_digest(path: Path) -> str:
    """SHA-256 of a data file, recorded in every calibration's provenance."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class DataFileInfo:
    """A data set's provenance, from the metadata file beside it."""

    name: str
    title: str
    citation: str
    doi: str
    source: str
    obtained: str
    units: str
    n: str
    licence: str
    evidence: tuple[str, ...]


def data_files() -> list[DataFileInfo]:
    """Every data set shipped with the package, with its metadata."""
    infos = []
    for meta in sorted(packaged_folder().glob("*.toml")):
        entry = tomllib.loads(meta.read_text(encoding="utf-8"))
        missing = [key for key in METADATA_FIELDS if key not in entry]
        if missing:
            raise ValueError(f"{meta.name} lacks {', '.join(missing)}")
        infos.append(DataFileInfo(
            name=f"{meta.stem}.csv", evidence=tuple(entry["evidence"]), n=str(entry["n"]),
            **{k: str(entry[k]) for k in METADATA_FIELDS if k not in ("evidence", "n")}))
    return infos
