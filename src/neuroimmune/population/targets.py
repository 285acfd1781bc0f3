"""The human data fitted covariates are fitted to, and the data they are checked against.

``baseline_inflammation`` is fitted to the resting CRP of US adults (``CRP_CALIBRATION``;
the fit is ``tools/fit_covariates.py``). How CRP differs between depressed and other
patients (``CRP_VALIDATION``) was used in no fit. Keep the two apart: agreement with
calibration data is evidence of nothing but the fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from neuroimmune.engines.jax_engine import JaxBatchedEngine

DEPRESSED_HAMD = 18.0
"""HAM-D at or above which a resting patient counts as depressed (moderate depression)."""


@dataclass(frozen=True)
class CrpCalibration:
    """Resting CRP of US adults: the targets of the covariate's fit."""

    median_mg_L: float = 2.1
    share_above_3: float = 0.367
    source: str = ("NHANES 1999-2002 adults: median 2.1 mg/L (Woloshin & Schwartz 2005, "
                   "N Engl J Med 352:1611); 36.7% above 3 mg/L (Ong et al. 2013, "
                   "Am J Epidemiol 177:1430)")


@dataclass(frozen=True)
class CrpInDepression:
    """CRP in depressed patients (validation only: never fitted)."""

    share_above_3: tuple[float, float, float] = (0.27, 0.21, 0.34)
    share_above_1: tuple[float, float, float] = (0.58, 0.47, 0.69)
    odds_ratio_above_3: tuple[float, float, float] = (1.46, 1.22, 1.75)
    source: str = ("Osimo et al. 2019, Psychol Med 49:1958 (meta-analysis, 30 studies for "
                   "CRP > 3 mg/L, 17 with matched controls for the odds ratio); estimate, "
                   "95% CI low, high")


CRP_CALIBRATION = CrpCalibration()
CRP_VALIDATION = CrpInDepression()


def resting_crp_and_hamd(engine: JaxBatchedEngine, patients: Sequence[Mapping[str, float]],
                         batch: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Each patient's resting CRP (mg/L) and HAM-D, NaN where the engine found no rest."""
    crp, hamd = np.full(len(patients), np.nan), np.full(len(patients), np.nan)
    for start in range(0, len(patients), batch):
        some = patients[start:start + batch]
        result = engine.simulate_batch(some, [[] for _ in some], np.array([0.0]), ["CRP", "hamd"])
        crp[start:start + len(some)] = result.values["CRP"][:, 0]
        hamd[start:start + len(some)] = result.values["hamd"][:, 0]
    return crp, hamd


@dataclass(frozen=True)
class CrpSummary:
    """How a population's resting CRP compares with the calibration and validation data."""

    patients: int
    median_mg_L: float
    share_above_1: float
    share_above_3: float
    share_above_10: float
    depressed: int
    depressed_share_above_1: float
    depressed_share_above_3: float
    odds_ratio_above_3: float
    odds_ratio_ci95: tuple[float, float]


def summarise(crp: np.ndarray, hamd: np.ndarray) -> CrpSummary:
    """Shares of patients above the clinical CRP cut-offs, overall and among the depressed."""
    ok = np.isfinite(crp) & np.isfinite(hamd)
    crp, hamd = crp[ok], hamd[ok]
    depressed = hamd >= DEPRESSED_HAMD
    high = crp > 3.0
    # the 2 x 2 table with half added to each cell (empty cells stay finite), and Woolf's
    # interval on the log odds ratio
    a, b, c, d = (np.sum(group & flag) + 0.5 for group in (depressed, ~depressed)
                  for flag in (high, ~high))
    odds = (a * d) / (b * c)
    spread = 1.96 * np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return CrpSummary(
        patients=int(ok.sum()), median_mg_L=float(np.median(crp)),
        share_above_1=float(np.mean(crp > 1.0)), share_above_3=float(np.mean(high)),
        share_above_10=float(np.mean(crp > 10.0)), depressed=int(depressed.sum()),
        depressed_share_above_1=float(np.mean(crp[depressed] > 1.0)) if depressed.any() else np.nan,
        depressed_share_above_3=float(np.mean(high[depressed])) if depressed.any() else np.nan,
        odds_ratio_above_3=float(odds),
        odds_ratio_ci95=(float(odds * np.exp(-spread)), float(odds * np.exp(spread))),
    )

