"""Sample virtual patients reproducibly from a seed.

A patient is a set of parameter overrides plus covariates. The parameters come from
the installed population distribution (``model/parameters/population/lps_cohort.toml``,
written by ``neuroimmune calibrate lps_cohort --population``): a multivariate normal
in log10 space, each draw clipped to the parameter's plausible range. The covariates
come from ``neuroimmune.population.covariates``. One ``numpy.random.default_rng(seed)``
stream draws the parameters first, then the covariates in table order, so the same
seed and ``n`` always give the same patients, and the first ``k`` patients of a larger
draw are *not* promised to equal a smaller draw (draw once, then slice).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from neuroimmune.model.compose import compose
from neuroimmune.population.covariates import COVARIATES, Covariate, sample_covariates

DEFAULT_DISTRIBUTION = "lps_cohort"
"""The installed population distribution (the only one fitted so far)."""


class DistributionError(ValueError):
    """A population distribution file is malformed or names unknown parameters."""


@dataclass(frozen=True)
class PopulationDistribution:
    """Log10-normal variability of model parameters between patients."""

    names: tuple[str, ...]
    log10_mean: np.ndarray
    log10_sd: np.ndarray
    correlation: np.ndarray
    source: str

    @property
    def covariance(self) -> np.ndarray:
        return self.correlation * np.outer(self.log10_sd, self.log10_sd)

    def fingerprint(self) -> str:
        """A short hash of the numbers, so a resumed run can tell the same distribution."""
        text = repr((self.names, self.log10_mean.tolist(), self.log10_sd.tolist(),
                     self.correlation.tolist()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def installed_distribution_path(name: str = DEFAULT_DISTRIBUTION) -> Path:
    folder = resources.files("neuroimmune.model") / "parameters" / "population"
    return Path(str(folder / f"{name}.toml"))


def load_distribution(path: str | Path | None = None) -> PopulationDistribution:
    """Read a population distribution file (the installed default when ``path`` is None)."""
    path = Path(path) if path is not None else installed_distribution_path()
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))["distribution"]
        names = tuple(table["names"])
        mean = np.asarray(table["log10_mean"], dtype=float)
        sd = np.asarray(table["log10_sd"], dtype=float)
        correlation = np.asarray(table["correlation"], dtype=float)
    except (OSError, KeyError, tomllib.TOMLDecodeError, TypeError, ValueError) as error:
        raise DistributionError(f"{path}: not a population distribution ({error})") from error
    k = len(names)
    if mean.shape != (k,) or sd.shape != (k,) or correlation.shape != (k, k):
        raise DistributionError(f"{path}: names, log10_mean, log10_sd and correlation "
                                f"must describe the same {k} parameters")
    unknown = [n for n in names if n not in compose().parameters]
    if unknown:
        raise DistributionError(f"{path}: unknown model parameters {', '.join(unknown)}")
    if np.any(sd < 0) or np.any(np.linalg.eigvalsh((correlation + correlation.T) / 2) < -1e-9):
        raise DistributionError(f"{path}: SDs must be >= 0 and the correlation positive semi-definite")
    return PopulationDistribution(names, mean, sd, correlation, str(path))


def _cholesky(covariance: np.ndarray) -> np.ndarray:
    """A lower factor of a positive semi-definite matrix (jitter for singular ones)."""
    jitter = 0.0
    for _ in range(6):
        try:
            return np.linalg.cholesky(covariance + jitter * np.eye(len(covariance)))
        except np.linalg.LinAlgError:
            jitter = max(jitter * 10, 1e-12)
    raise DistributionError("the covariance matrix is not positive semi-definite")


def sample_parameters(distribution: PopulationDistribution, n: int,
                      rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` draws of each parameter in linear units, clipped to its plausible range."""
    factor = _cholesky(distribution.covariance)
    log10_values = distribution.log10_mean + rng.standard_normal((n, len(distribution.names))) @ factor.T
    ranges = compose().parameters
    return {
        name: np.clip(10.0 ** log10_values[:, i], ranges[name].low, ranges[name].high)
        for i, name in enumerate(distribution.names)
    }


def sample_patients(n: int, seed: int, distribution: PopulationDistribution | None = None,
                    covariates: tuple[Covariate, ...] = COVARIATES) -> pd.DataFrame:
    """``n`` virtual patients: one row each, indexed by ``patient_id`` 0..n-1.

    Columns: the distribution's parameters (linear units), then the covariates. Columns
    whose name is a model parameter are the patient's overrides (``model_columns``).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    distribution = distribution or load_distribution()
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = dict(sample_parameters(distribution, n, rng))
    columns.update(sample_covariates(n, rng, covariates))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n, name="patient_id"))
    return frame


def model_columns(patients: pd.DataFrame) -> list[str]:
    """The columns that override model parameters (the rest are covariates only)."""
    known = compose().parameters
    return [c for c in patients.columns if c in known]


def patient_overrides(patients: pd.DataFrame) -> list[dict[str, float]]:
    """Each patient's model parameter overrides, one dict per row (as engines take them)."""
    columns = model_columns(patients)
    return [dict(zip(columns, map(float, row), strict=True))
            for row in patients[columns].to_numpy(dtype=float)]
