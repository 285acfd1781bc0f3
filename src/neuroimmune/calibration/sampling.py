"""Posterior sampling with several chains, and whether they have converged.

One adaptive-Metropolis chain cannot show that it has explored the posterior: its
intervals grow with its length. Several chains from dispersed starts can: if they agree
(split R-hat near 1) and hold enough independent draws (effective sample size), their
pooled draws summarise the posterior; otherwise nothing should be read from them.

Diagnostics are ArviZ's (``arviz-stats``): the rank-normalised, folded split R-hat and
the bulk and tail effective sample sizes of Vehtari et al. (2021), *Bayesian Analysis*
16(2):667-718. Chains run in parallel (pyPESTO's multi-process engine), each seeded
from one ``SeedSequence`` of the run's seed, so results are the same bit for bit for a
seed whatever the number of processes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pypesto
import pypesto.engine
import pypesto.sample

from neuroimmune.calibration.profiles import quiet_pypesto
from neuroimmune.io import write_atomically

if TYPE_CHECKING:
    from neuroimmune.calibration.fit import FitResult

RHAT_MAX = 1.01
"""Largest split R-hat taken as converged (Vehtari et al. 2021)."""

ESS_MIN = 400
"""Smallest bulk and tail effective sample size taken as enough (100 per chain for 4)."""

START_SPREAD = 0.3
"""Half-width (log10 units) of the uniform box around the best fit that chains start in:
wider than the posterior in the well-determined directions, so R-hat can detect chains
that have not forgotten their starts."""

PROPOSAL_SD = 0.1
"""Initial proposal standard deviation (log10 units) before the sampler adapts."""


@dataclass(frozen=True)
class Chains:
    """Traces of every chain (log10): ``traces`` has shape (chains, samples + 1, parameters)."""

    names: tuple[str, ...]
    traces: np.ndarray
    burn_in: int
    starts: np.ndarray
    seeds: tuple[int, ...]

    @property
    def draws(self) -> np.ndarray:
        """Samples after burn-in, shape (chains, draws, parameters)."""
        return self.traces[:, self.burn_in:, :]

    def pooled(self) -> np.ndarray:
        """Post-burn-in draws of all chains stacked, shape (chains x draws, parameters)."""
        return self.draws.reshape(-1, self.traces.shape[2])


@dataclass(frozen=True)
class Diagnostic:
    name: str
    rhat: float
    ess_bulk: float
    ess_tail: float

    def converged(self, rhat_max: float = RHAT_MAX, ess_min: float = ESS_MIN) -> bool:
        return bool(self.rhat <= rhat_max and min(self.ess_bulk, self.ess_tail) >= ess_min)

    def message(self) -> str:
        """What an unconverged parameter prints in place of a posterior summary."""
        return (f"not converged: R-hat {self.rhat:.3f}, ESS {min(self.ess_bulk, self.ess_tail):.0f}; "
                "run more samples")


class ChainTask(pypesto.engine.Task):
    """One adaptive-Metropolis chain from its own start and seed (picklable)."""

    def __init__(self, objective: Callable[[np.ndarray], float], lower: np.ndarray,
                 upper: np.ndarray, names: Sequence[str], x0: np.ndarray, n_samples: int,
                 seed: int) -> None:
        super().__init__()
        self.objective, self.lower, self.upper = objective, lower, upper
        self.names, self.x0, self.n_samples, self.seed = list(names), x0, n_samples, seed

    def execute(self) -> np.ndarray:
        problem = pypesto.Problem(pypesto.Objective(fun=self.objective), lb=self.lower,
                                  ub=self.upper, x_names=self.names)
        sampler = pypesto.sample.AdaptiveMetropolisSampler(
            {"cov0": PROPOSAL_SD**2, "show_progress": False})
        np.random.seed(self.seed)  # pyPESTO's sampler draws from NumPy's global generator
        with quiet_pypesto():
            result = pypesto.sample.sample(problem, n_samples=self.n_samples, sampler=sampler,
                                           x0=self.x0)
        return np.asarray(result.sample_result.trace_x[0])


def chain_seeds(seed: int, n_chains: int) -> tuple[np.random.Generator, tuple[int, ...]]:
    """A generator for the start points and one integer seed per chain, all from ``seed``."""
    children = np.random.SeedSequence(seed).spawn(n_chains + 1)
    seeds = tuple(int(c.generate_state(1)[0]) for c in children[1:])
    return np.random.default_rng(children[0]), seeds


def dispersed_starts(best_x: np.ndarray, lower: np.ndarray, upper: np.ndarray, n_chains: int,
                     rng: np.random.Generator, spread: float = START_SPREAD) -> np.ndarray:
    """Uniform draws in a box around the best fit, kept strictly inside the bounds."""
    margin = 0.01 * (upper - lower)
    draws = best_x + rng.uniform(-spread, spread, size=(n_chains, best_x.size))
    return np.clip(draws, lower + margin, upper - margin)


def run_chains(objective: Callable[[np.ndarray], float], lower: Sequence[float],
               upper: Sequence[float], names: Sequence[str], best_x: Sequence[float],
               n_samples: int, n_chains: int = 4, seed: int = 0, n_procs: int = 1,
               burn_in: float = 0.5, progress: bool = False) -> Chains:
    """Sample ``n_samples`` per chain from dispersed starts; the first ``burn_in`` share is dropped.

    The objective is a negative log-likelihood of log10 parameters; priors are flat
    within the bounds.
    """
    lower, upper, best_x = (np.asarray(v, float) for v in (lower, upper, best_x))
    rng, seeds = chain_seeds(seed, n_chains)
    starts = dispersed_starts(best_x, lower, upper, n_chains, rng)
    tasks = [ChainTask(objective, lower, upper, names, x0, n_samples, s)
             for x0, s in zip(starts, seeds, strict=True)]
    engine = (pypesto.engine.MultiProcessEngine(n_procs=n_procs) if n_procs > 1
              else pypesto.engine.SingleCoreEngine())
    traces = np.stack(engine.execute(tasks, progress_bar=progress))
    return Chains(tuple(names), traces, int(burn_in * traces.shape[1]), starts, seeds)


def sample_fit(fit: FitResult, n_samples: int, n_chains: int = 4, seed: int = 0, n_procs: int = 2,
               progress: bool = True) -> Chains:
    """Chains over a calibration fit's parameters, from dispersed starts around its best fit."""
    from neuroimmune.calibration.objective import CalibrationObjective

    lower, upper = fit.problem.bounds()
    return run_chains(CalibrationObjective(fit.problem), lower, upper, fit.names, fit.best_x,
                      n_samples, n_chains, seed, n_procs, progress=progress)


def diagnose(names: Sequence[str], draws: np.ndarray) -> list[Diagnostic]:
    """Rank-normalised split R-hat and bulk/tail ESS per parameter of (chains, draws, params)."""
    from arviz_stats.base import array_stats

    rhat = array_stats.rhat(draws, chain_axis=0, draw_axis=1, method="rank")
    bulk = array_stats.ess(draws, chain_axis=0, draw_axis=1, method="bulk")
    tail = array_stats.ess(draws, chain_axis=0, draw_axis=1, method="tail", prob=(0.05, 0.95))
    return [Diagnostic(n, float(r), float(b), float(t))
            for n, r, b, t in zip(names, rhat, bulk, tail, strict=True)]


def all_converged(diagnostics: Sequence[Diagnostic]) -> bool:
    """A run counts as converged only if every parameter is."""
    return bool(diagnostics) and all(d.converged() for d in diagnostics)


def write_diagnostics(diagnostics: Sequence[Diagnostic], path: Path) -> None:
    lines = ["parameter,rhat,ess_bulk,ess_tail,converged"] + [
        f"{d.name},{d.rhat:.4f},{d.ess_bulk:.1f},{d.ess_tail:.1f},{str(d.converged()).lower()}"
        for d in diagnostics]
    write_atomically(path, "\n".join(lines) + "\n")
