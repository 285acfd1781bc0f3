"""Parameter files a calibration writes, and that the model loads as its defaults.

A calibrated parameter file carries provenance (problem, data files and their SHA-256,
date, objective value, starts, seed, package version) beside the values, so a reader
can tell where every default came from. ``install`` copies it into the package's
``model/parameters/calibrated/`` folder, which composition applies over the tables.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np

from neuroimmune.calibration.fit import FitResult
from neuroimmune.evidence.datafiles import data_path, file_digest
from neuroimmune.io import write_atomically

CONVERGENCE_TOLERANCE = 0.1
"""Starts whose NLL is within this of the best count as having found the optimum."""


def _toml_value(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(float(value)) if isinstance(value, float) else str(value)


def _table(name: str, entries: dict) -> str:
    lines = [f"[{name}]"] + [f"{key} = {_toml_value(value)}" for key, value in entries.items()]
    return "\n".join(lines) + "\n"


def provenance(fit: FitResult) -> dict:
    from neuroimmune import __version__

    converged = int(np.sum(fit.starts_nll <= fit.best_nll + CONVERGENCE_TOLERANCE))
    files = [data_path(name) for name in fit.problem.dataset.files]
    return {
        "problem": fit.problem.name,
        "dataset": fit.problem.dataset.name,
        "dataset_source": fit.problem.dataset.source,
        "data_files": [path.name for path in files],
        "data_sha256": [file_digest(path) for path in files],
        "date": dt.date.today().isoformat(),
        "objective": "negative log-likelihood, log-normal noise profiled per observable",
        "nll": round(fit.best_nll, 6),
        "n_starts": fit.n_starts,
        "converged_starts": converged,
        "seed": fit.seed,
        "neuroimmune_version": __version__,
    }


def write_parameter_file(fit: FitResult, path: Path) -> None:
    text = (
        f"# Written by `neuroimmune calibrate {fit.problem.name}`.\n\n"
        + _table("provenance", provenance(fit)) + "\n"
        + _table("values", {n: float(f"{v:.6g}") for n, v in fit.values().items()}) + "\n"
        + _table("noise_sd", {n: round(v, 6) for n, v in fit.noise_sd.items()})
    )
    write_atomically(path, text)


def write_population_file(fit: FitResult, subjects: dict[int, np.ndarray], path: Path) -> None:
    """Log-normal inter-individual distribution of the individual parameters."""
    names = list(fit.problem.individual)
    matrix = np.array([subjects[s] for s in sorted(subjects)])
    mean = matrix.mean(axis=0)
    sd = matrix.std(axis=0, ddof=1)
    correlation = np.corrcoef(matrix, rowvar=False) if len(names) > 1 else np.ones((1, 1))
    header = provenance(fit) | {"subjects": sorted(subjects),
                                "distribution": "multivariate normal in log10 space"}
    rows = ["[distribution]",
            f"names = {_toml_value(names)}",
            f"log10_mean = {_toml_value([round(float(v), 6) for v in mean])}",
            f"log10_sd = {_toml_value([round(float(v), 6) for v in sd])}",
            "correlation = [" + ", ".join(_toml_value([round(float(c), 4) for c in row])
                                          for row in correlation) + "]"]
    per_subject = "".join(
        "\n" + _table(f"subjects.{s}", {n: float(f"{10**v:.6g}") for n, v in
                                        zip(names, subjects[s], strict=True)})
        for s in sorted(subjects))
    write_atomically(path, f"# Written by `neuroimmune calibrate {fit.problem.name} "
                     "--population`.\n\n" + _table("provenance", header) + "\n"
                     + "\n".join(rows) + "\n" + per_subject)


def installed_folder(kind: str) -> Path:
    """The package folder for installed calibrations (``calibrated``) or populations."""
    return Path(str(resources.files("neuroimmune.model").joinpath(f"parameters/{kind}")))


def read_installed(kind: str) -> list[dict]:
    """Every installed file of a kind, parsed, in name order."""
    folder = installed_folder(kind)
    if not folder.is_dir():
        return []
    return [tomllib.loads(p.read_text(encoding="utf-8")) | {"file": p.name}
            for p in sorted(folder.glob("*.toml"))]
