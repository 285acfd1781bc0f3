"""Profile likelihoods of the estimated parameters, and the confidence intervals they give.

For each parameter, pyPESTO walks away from the best fit in both directions in log10
space, fixing the parameter at each step and re-optimising all the others (L-BFGS-B,
the same forward-difference gradients as the fit). The 95% likelihood-ratio
confidence interval holds every value whose profile lies within chi2(1; 0.95) / 2 =
1.92 of the optimum. A parameter is

* *identifiable* when its profile crosses the threshold on both sides inside the
  plausible range (a finite interval),
* *bounded on one side* when it crosses on one side only,
* *not identifiable* when it crosses on neither (the data allow the whole range).

Profiles run over parameters in parallel (pyPESTO's multi-process engine). Their cost
is bounded by the step count (a fixed share of each plausible range in log10 space) and
by the optimiser's iterations per step.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pypesto
import pypesto.optimize
import pypesto.profile
from scipy.stats import chi2

from neuroimmune.io import write_atomically

if TYPE_CHECKING:
    from neuroimmune.calibration.fit import FitResult

THRESHOLD = float(chi2.ppf(0.95, df=1) / 2)
"""NLL rise that bounds the 95% likelihood-ratio confidence interval (1.92)."""

IDENTIFIABLE = "identifiable"
ONE_SIDED = "bounded on one side"
NOT_IDENTIFIABLE = "not identifiable"


@dataclass(frozen=True)
class ProfileSettings:
    """Profile grid and the optimiser's effort at each profile point.

    Profiles walk in fixed steps of 1/``steps`` of each parameter's plausible range in
    log10 units (pyPESTO's ``fixed_step``), so a profile has at most ``steps`` + 1
    points and its cost is known in advance. Adaptive steps were tried and stall at
    their minimum on this model: along compensated directions the objective before
    re-optimisation rises fast although the profile stays flat.
    """

    steps: int = 50
    max_iterations: int = 50
    tolerance: float = 1e-7
    """L-BFGS-B ``ftol``: relative NLL change that ends a point's optimisation (about
    2e-4 at this model's NLL of 1700, far below the 1.92 threshold)."""


@dataclass(frozen=True)
class Profile:
    """One parameter's profile: values (log10), NLL above the optimum, range, best fit."""

    name: str
    x: np.ndarray
    delta_nll: np.ndarray
    lower: float
    upper: float
    best: float
    n_evaluations: int = 0
    seconds: float = 0.0

    def interval(self, threshold: float = THRESHOLD) -> tuple[float | None, float | None]:
        """Ends of the confidence interval (log10); None where the profile never crosses."""
        return confidence_interval(self.x, self.delta_nll, self.best, threshold)

    def verdict(self, threshold: float = THRESHOLD) -> str:
        return verdict(*self.interval(threshold))


def confidence_interval(x: np.ndarray, delta: np.ndarray, best: float,
                        threshold: float = THRESHOLD) -> tuple[float | None, float | None]:
    """Where the profile first rises through ``threshold`` on each side of ``best``.

    Interpolation between the last point inside and the first point outside; a
    side on which the profile stays below the threshold up to the range end gives None.
    """
    order = np.argsort(x)
    x, delta = np.asarray(x, float)[order], np.asarray(delta, float)[order]
    return (_crossing(x[x <= best][::-1], delta[x <= best][::-1], threshold),
            _crossing(x[x >= best], delta[x >= best], threshold))


def _crossing(x: np.ndarray, delta: np.ndarray, threshold: float) -> float | None:
    """First threshold crossing walking outwards along ``x`` (ordered from the best fit)."""
    above = np.flatnonzero(delta >= threshold)
    if above.size == 0:
        return None
    k = int(above[0])
    if k == 0:
        return float(x[0])
    # sqrt(2 delta) is linear in x near a quadratic optimum: interpolate on that scale.
    r0, r1 = np.sqrt(2 * max(delta[k - 1], 0.0)), np.sqrt(2 * delta[k])
    return float(x[k - 1] + (np.sqrt(2 * threshold) - r0) * (x[k] - x[k - 1]) / (r1 - r0))


def verdict(low: float | None, high: float | None) -> str:
    """Identifiability from which sides of the confidence interval are finite."""
    if low is not None and high is not None:
        return IDENTIFIABLE
    if low is not None or high is not None:
        return ONE_SIDED
    return NOT_IDENTIFIABLE


@contextlib.contextmanager
def quiet_pypesto() -> Iterator[None]:
    """Silence pyPESTO's INFO messages (e.g. "Elapsed time: ...") for the block."""
    logger = logging.getLogger("pypesto")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _options(settings: ProfileSettings) -> pypesto.profile.ProfileOptions:
    # Only the relative family is used: steps are a share of each parameter's range.
    step = 1.0 / settings.steps
    return pypesto.profile.ProfileOptions(
        default_step_size_absolute=0.0, default_step_size_relative=step,
        min_step_size_absolute=0.0, min_step_size_relative=step,
        max_step_size_absolute=0.0, max_step_size_relative=step,
        ratio_min=float(np.exp(-THRESHOLD)) * 0.9, step_size_precheck_mode="off",
    )


def _result_at(problem: pypesto.Problem, x: np.ndarray, fval: float) -> pypesto.Result:
    """A pyPESTO result holding only the best fit, from which profiles start."""
    result = pypesto.Result(problem)
    result.optimize_result.append(
        [pypesto.result.OptimizerResult(id="best", x=np.asarray(x, float), fval=float(fval))])
    return result


def profile_likelihood(problem: pypesto.Problem, best_x: Sequence[float], best_nll: float,
                       settings: ProfileSettings = ProfileSettings(), engine=None,
                       progress: bool = False, indices: Sequence[int] | None = None
                       ) -> list[Profile]:
    """Profiles of every free parameter of a pyPESTO problem, from a known optimum.

    NLL differences are taken against the lowest value seen anywhere (the best fit or
    a profile point below it), so a profile that finds a better optimum still yields
    a valid interval.
    """
    optimizer = pypesto.optimize.ScipyOptimizer(
        method="L-BFGS-B", options={"maxiter": settings.max_iterations, "ftol": settings.tolerance})
    with quiet_pypesto():
        result = pypesto.profile.parameter_profile(
            problem=problem, result=_result_at(problem, best_x, best_nll), optimizer=optimizer,
            engine=engine or pypesto.engine.SingleCoreEngine(), profile_options=_options(settings),
            progress_bar=progress, profile_index=indices, next_guess_method="fixed_step")
    raw = result.profile_result.list[-1]
    lowest = min([best_nll] + [float(np.nanmin(p.fval_path)) for p in raw if p is not None])
    profiles = []
    for i in problem.x_free_indices if indices is None else indices:
        p = raw[i]
        profiles.append(Profile(
            name=problem.x_names[i], x=np.asarray(p.x_path[i], float),
            delta_nll=np.asarray(p.fval_path, float) - lowest,
            lower=float(problem.lb_full[i]), upper=float(problem.ub_full[i]),
            best=float(best_x[i]), n_evaluations=int(p.n_fval), seconds=float(p.time_total)))
    return profiles


def profile_fit(fit: FitResult, settings: ProfileSettings = ProfileSettings(), n_procs: int = 2,
                progress: bool = True) -> list[Profile]:
    """Profiles of a calibration fit's parameters, with its objective and bounds."""
    from neuroimmune.calibration.fit import _engine, _pypesto_problem
    from neuroimmune.calibration.objective import CalibrationObjective

    lower, upper = (np.array(b) for b in fit.problem.bounds())
    problem = _pypesto_problem(CalibrationObjective(fit.problem), lower, upper, [fit.best_x])
    return profile_likelihood(problem, fit.best_x, fit.best_nll, settings, _engine(n_procs), progress)


def write_profiles(profiles: list[Profile], path: Path) -> None:
    """Every profile point: parameter, log10 value, NLL above the optimum."""
    lines = ["parameter,log10_value,delta_nll"] + [
        f"{p.name},{x:.6f},{d:.6f}" for p in profiles for x, d in zip(p.x, p.delta_nll, strict=True)]
    write_atomically(path, "\n".join(lines) + "\n")
