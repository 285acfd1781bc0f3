"""One calibration run from the command line: fit, uncertainty, population, files, figures."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuroimmune.calibration.files import (
    installed_folder,
    write_parameter_file,
    write_population_file,
)
from neuroimmune.calibration.fit import FitResult, fit_problem, fit_subjects, sample_posterior
from neuroimmune.calibration.identifiability import classify, write_identifiability
from neuroimmune.calibration.objective import CalibrationObjective
from neuroimmune.calibration.petab_export import write_petab
from neuroimmune.calibration.problem import load_problem
from neuroimmune.io import write_atomically


@dataclass(frozen=True)
class CalibrationSettings:
    n_starts: int = 20
    seed: int = 0
    workers: int = 2
    samples: int = 0
    population: bool = False
    install: bool = False
    progress: bool = True


def run_calibration(problem_name: str, out: Path, settings: CalibrationSettings) -> FitResult:
    """Fit a built-in problem and write everything a reviewer needs into ``out``."""
    from neuroimmune.plotting.calibration import plot_fit, plot_posterior, plot_waterfall

    problem = load_problem(problem_name)
    out.mkdir(parents=True, exist_ok=True)
    fit = fit_problem(problem, n_starts=settings.n_starts, seed=settings.seed,
                      n_procs=settings.workers, progress=settings.progress)
    write_petab(problem, out / "petab")
    write_parameter_file(fit, out / "parameters.toml")
    _write_starts(fit, out / "starts.csv")
    plot_waterfall(fit, out / "waterfall.png")
    objective = CalibrationObjective(problem)
    objective.times = np.linspace(0.0, float(objective.times[-1]), 121)  # a smooth curve
    plot_fit(fit, objective.predictions(fit.best_x), objective.times, out / "fit.png")
    if settings.samples:
        samples = sample_posterior(fit, settings.samples, settings.seed)
        lower, upper = problem.bounds()
        plot_posterior(list(fit.names), samples, lower, upper, out / "posterior.png")
        write_identifiability(classify(list(fit.names), samples, lower, upper),
                              out / "identifiability.md")
    if settings.population and problem.individual:
        subjects = fit_subjects(fit, progress=settings.progress)
        write_population_file(fit, subjects, out / "population.toml")
    if settings.install:
        install(problem.name, out)
    return fit


def _write_starts(fit: FitResult, path: Path) -> None:
    header = "start,nll," + ",".join(f"log10_{n}" for n in fit.names)
    lines = [header] + [
        f"{i},{nll:.6f}," + ",".join(f"{v:.6f}" for v in x)
        for i, (nll, x) in enumerate(zip(fit.starts_nll, fit.starts_x, strict=True))
    ]
    write_atomically(path, "\n".join(lines) + "\n")


def install(problem: str, out: Path) -> list[Path]:
    """Make a run's parameter (and population) files the package defaults."""
    installed = []
    for name, kind in (("parameters.toml", "calibrated"), ("population.toml", "population")):
        source = out / name
        if source.exists():
            folder = installed_folder(kind)
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{problem}.toml"
            shutil.copyfile(source, target)
            installed.append(target)
    return installed
