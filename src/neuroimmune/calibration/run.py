"""One calibration run from the command line: fit, uncertainty, population, files, figures."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuroimmune.calibration.files import (
    installed_folder,
    write_parameter_file,
    write_population_file,
)
from neuroimmune.calibration.fit import FitResult, fit_problem, fit_subjects
from neuroimmune.calibration.identifiability import (
    Identifiability,
    summarise,
    write_identifiability,
)
from neuroimmune.calibration.objective import CalibrationObjective
from neuroimmune.calibration.petab_export import write_petab
from neuroimmune.calibration.problem import CalibrationProblem, load_problem
from neuroimmune.calibration.profiles import Profile, ProfileSettings, profile_fit, write_profiles
from neuroimmune.calibration.sampling import (
    Chains,
    Diagnostic,
    all_converged,
    diagnose,
    sample_fit,
    write_diagnostics,
)
from neuroimmune.io import write_atomically


@dataclass(frozen=True)
class CalibrationSettings:
    n_starts: int = 20
    seed: int = 0
    workers: int = 2
    samples: int = 0
    """Samples per chain (0: no sampling)."""
    population: bool = False
    install: bool = False
    progress: bool = True
    chains: int = 4
    profiles: bool = False
    profile_settings: ProfileSettings = field(default_factory=ProfileSettings)
    max_iterations: int = 200
    """Most L-BFGS-B iterations of each start."""


@dataclass
class CalibrationRun:
    """What a run found: the fit and, if asked for, its identifiability evidence."""

    fit: FitResult
    identifiability: list[Identifiability] = field(default_factory=list)
    converged: bool | None = None
    """Whether every chain converged; None when no chains were run."""
    seconds: dict[str, float] = field(default_factory=dict)


def run_calibration(problem_name: str, out: Path, settings: CalibrationSettings) -> CalibrationRun:
    """Fit a built-in problem and write everything a reviewer needs into ``out``."""
    from neuroimmune.plotting.calibration import plot_fit, plot_waterfall

    problem = load_problem(problem_name)
    clock = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    fit = fit_problem(problem, n_starts=settings.n_starts, seed=settings.seed,
                      n_procs=settings.workers, progress=settings.progress,
                      max_iterations=settings.max_iterations)
    write_petab(problem, out / "petab")
    write_parameter_file(fit, out / "parameters.toml")
    _write_starts(fit, out / "starts.csv")
    plot_waterfall(fit, out / "waterfall.png")
    objective = CalibrationObjective(problem)
    objective.times = np.linspace(0.0, float(objective.times[-1]), 121)  # a smooth curve
    plot_fit(fit, objective.predictions(fit.best_x), objective.times, out / "fit.png")
    if objective.targets:
        _write_targets(objective, fit, out)
    run = CalibrationRun(fit, seconds={"fit": time.perf_counter() - clock})
    if settings.profiles or settings.samples:
        _identifiability(run, problem, out, settings)
    if settings.population and problem.individual:
        clock = time.perf_counter()
        subjects = fit_subjects(fit, progress=settings.progress)
        write_population_file(fit, subjects, out / "population.toml")
        run.seconds["population"] = time.perf_counter() - clock
    if settings.install:
        install(problem.name, out)
    return run


def _identifiability(run: CalibrationRun, problem: CalibrationProblem, out: Path,
                     settings: CalibrationSettings) -> None:
    """Profiles and/or chains, their figures and tables, and ``identifiability.md``."""
    from neuroimmune.plotting.calibration import plot_chains, plot_posterior, plot_profiles

    fit = run.fit
    lower, upper = problem.bounds()
    profiles: list[Profile] | None = None
    diagnostics: list[Diagnostic] | None = None
    chains: Chains | None = None
    if settings.profiles:
        clock = time.perf_counter()
        profiles = profile_fit(fit, settings.profile_settings, settings.workers, settings.progress)
        run.seconds["profiles"] = time.perf_counter() - clock
        write_profiles(profiles, out / "profiles.csv")
        plot_profiles(profiles, out / "profiles.png")
    if settings.samples:
        clock = time.perf_counter()
        chains = sample_fit(fit, settings.samples, settings.chains, settings.seed, settings.workers,
                            settings.progress)
        run.seconds["chains"] = time.perf_counter() - clock
        diagnostics = diagnose(fit.names, chains.draws)
        run.converged = all_converged(diagnostics)
        write_diagnostics(diagnostics, out / "diagnostics.csv")
        plot_chains(chains, lower, upper, out / "chains.png")
        if run.converged:
            plot_posterior(list(fit.names), chains.pooled(), lower, upper, out / "posterior.png")
    run.identifiability = summarise(fit.names, fit.best_x, lower, upper, profiles, diagnostics,
                                    chains.pooled() if chains is not None else None)
    write_identifiability(run.identifiability, out / "identifiability.md",
                          _preamble(fit, settings, chains, run.converged))


def _preamble(fit: FitResult, settings: CalibrationSettings, chains: Chains | None,
              converged: bool | None) -> str:
    from neuroimmune.calibration.profiles import THRESHOLD
    from neuroimmune.calibration.sampling import ESS_MIN, RHAT_MAX

    lines = [f"# Identifiability: {fit.problem.name}", "",
             f"Best NLL {fit.best_nll:.3f} ({fit.n_starts} starts, seed {fit.seed}). Values are on "
             "the linear scale; profiles and chains run in log10 space within the plausible ranges."]
    if settings.profiles:
        s = settings.profile_settings
        lines += ["", f"Profiles: 95% likelihood-ratio interval (NLL rise {THRESHOLD:.2f}); steps of "
                  f"1/{s.steps} of each plausible range (log10), at most {s.max_iterations} L-BFGS-B "
                  "iterations per point. 'range end': the profile stays below the threshold up to "
                  "that end of the plausible range."]
    if chains is not None:
        n_chains, n_steps = chains.traces.shape[:2]
        lines += ["", f"Chains: {n_chains} adaptive-Metropolis chains of {n_steps - 1} samples from "
                  f"dispersed starts, first {chains.burn_in} dropped as burn-in; rank-normalised split "
                  f"R-hat and bulk/tail ESS (arviz-stats). Converged when R-hat <= {RHAT_MAX} and "
                  f"ESS >= {ESS_MIN} for every parameter: "
                  + ("yes." if converged else "no, so no posterior summary is given.")]
    return "\n".join(lines)


def _write_targets(objective: CalibrationObjective, fit: FitResult, out: Path) -> None:
    """The problem's findings from other protocols at the best fit: a table and a figure."""
    from neuroimmune.plotting.calibration import plot_targets

    values = objective.target_values(fit.best_x)
    lines = ["finding,protocol,human,accept_min,accept_max,model,residual_sd,inside"]
    for target in objective.targets:
        finding, value = target.finding, values[target.finding.id]
        human = "" if finding.human.value is None else f"{finding.human.value:g}"
        lines.append(f"{finding.id},{finding.reading.protocol},{human},{finding.accept_min:g},"
                     f"{finding.accept_max:g},{value:.6g},{target.residual(value):.3f},{finding.accepts(value)}")
    write_atomically(out / "targets.csv", "\n".join(lines) + "\n")
    plot_targets(list(objective.targets), values, out / "targets.png")


def _write_starts(fit: FitResult, path: Path) -> None:
    header = "start,nll,stop," + ",".join(f"log10_{n}" for n in fit.names)
    stops = fit.starts_stop or ("",) * len(fit.starts_nll)
    lines = [header] + [
        f"{i},{nll:.6f},{stop}," + ",".join(f"{v:.6f}" for v in x)
        for i, (nll, stop, x) in enumerate(zip(fit.starts_nll, stops, fit.starts_x, strict=True))
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
