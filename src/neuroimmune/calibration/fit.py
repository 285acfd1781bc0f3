"""Multi-start fits with pyPESTO: population best fit and per-subject fits.

pyPESTO supplies the optimiser (L-BFGS-B from reproducible start points) and the
parallel engine over starts; the objective is our own (``objective.py``) because the
model needs a burn-in to each patient's rest and exact dose events, which generic PEtab
simulators do not provide for this model.
Profiles are in ``profiles.py``, posterior chains in ``sampling.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pypesto
import pypesto.optimize
import pypesto.startpoint

from neuroimmune.calibration.objective import CalibrationObjective
from neuroimmune.calibration.problem import CalibrationProblem

GRADIENT_STEP = 1e-4
"""Forward-difference step on log10 parameters (0.02% change): well above solver noise
at rtol 1e-6, well below the curvature scale of the likelihood."""


@dataclass
class FitResult:
    """Best fit and every start, in log10 parameter space."""

    problem: CalibrationProblem
    names: tuple[str, ...]
    best_x: np.ndarray
    best_nll: float
    starts_x: np.ndarray
    starts_nll: np.ndarray
    noise_sd: dict[str, float]
    n_starts: int
    seed: int
    extra: dict = field(default_factory=dict)
    starts_stop: tuple[str, ...] = ()
    """Why each start's optimiser stopped (converged, iteration limit, ...), in start order."""

    def values(self) -> dict[str, float]:
        return {n: float(10.0**v) for n, v in zip(self.names, self.best_x, strict=True)}


def _pypesto_problem(objective: CalibrationObjective, lower, upper, guesses) -> pypesto.Problem:
    wrapped = pypesto.objective.FD(
        pypesto.Objective(fun=objective), grad=True, method="forward",
        delta_grad=GRADIENT_STEP, x_names=list(objective.names),
    )
    starts = np.asarray(guesses)
    problem = pypesto.Problem(wrapped, lb=lower, ub=upper, x_names=list(objective.names),
                              copy_objective=False)
    problem.startpoint_method = pypesto.startpoint.FunctionStartpoints(
        function=lambda n_starts, **_: starts[:n_starts], check_fval=False)
    return problem


def _engine(n_procs: int):
    if n_procs > 1:
        return pypesto.engine.MultiProcessEngine(n_procs=n_procs)
    return pypesto.engine.SingleCoreEngine()


def start_points(lower, upper, nominal, n_starts: int, seed: int) -> np.ndarray:
    """The nominal point, then uniform draws within the bounds from ``seed``."""
    rng = np.random.default_rng(seed)
    draws = rng.uniform(lower, upper, size=(max(n_starts - 1, 0), len(lower)))
    return np.vstack([np.clip(nominal, lower, upper), draws])


def fit_problem(problem: CalibrationProblem, n_starts: int = 20, seed: int = 0,
                n_procs: int = 2, progress: bool = True, max_iterations: int = 200
                ) -> FitResult:
    """Multi-start maximum-likelihood fit of the problem's estimated parameters."""
    objective = CalibrationObjective(problem)
    lower, upper = (np.array(b) for b in problem.bounds())
    starts = start_points(lower, upper, np.array(problem.nominal()), n_starts, seed)
    result = pypesto.optimize.minimize(
        problem=_pypesto_problem(objective, lower, upper, list(starts)),
        optimizer=pypesto.optimize.ScipyOptimizer(
            method="L-BFGS-B", options={"maxiter": max_iterations}),
        n_starts=n_starts, engine=_engine(n_procs), progress_bar=progress,
    )
    ordered = sorted(result.optimize_result.list, key=lambda r: int(r["id"]))
    xs = np.array([r["x"] for r in ordered])
    nlls = np.array([r["fval"] for r in ordered])
    stops = tuple(_stop_reason(r) for r in ordered)
    best = int(np.nanargmin(nlls))
    return FitResult(problem, objective.names, xs[best], float(nlls[best]), xs, nlls,
                     objective.noise_sd(xs[best]), n_starts, seed, starts_stop=stops)


def _stop_reason(result) -> str:
    """The optimiser's own message, so a reader can tell an iteration limit from a minimum."""
    message = str(result["message"] or "").strip()
    return " ".join(message.split()).replace(",", ";") or "unknown"


def fit_subjects(fit: FitResult, n_procs: int = 2, progress: bool = True) -> dict[int, np.ndarray]:
    """Refit the problem's individual parameters for each calibration subject.

    Start from the population best fit with everything else fixed there, so that
    differences between subjects land in the parameters that describe them.
    """
    problem = fit.problem
    population = fit.values()
    names = problem.individual
    lower_all, upper_all = problem.bounds()
    index = [problem.estimate.index(n) for n in names]
    lower = np.array([lower_all[i] for i in index])
    upper = np.array([upper_all[i] for i in index])
    x0 = np.array([fit.best_x[i] for i in index])
    fixed = {n: v for n, v in population.items() if n not in names}
    subjects = sorted(int(s) for s in problem.dataset.measurements["subject"].unique())
    fitted = {}
    for subject in subjects:
        objective = CalibrationObjective(problem, names=names, subjects=[subject], fixed=fixed)
        result = pypesto.optimize.minimize(
            problem=_pypesto_problem(objective, lower, upper, [x0]),
            optimizer=pypesto.optimize.ScipyOptimizer(method="L-BFGS-B",
                                                      options={"maxiter": 200}),
            n_starts=1, engine=pypesto.engine.SingleCoreEngine(), progress_bar=False,
        )
        fitted[subject] = np.asarray(result.optimize_result.list[0]["x"])
        if progress:
            print(f"  subject {subject}: NLL {result.optimize_result.list[0]['fval']:.2f}")
    return fitted

