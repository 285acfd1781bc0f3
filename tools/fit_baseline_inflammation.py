"""The fit behind the population covariate ``baseline_inflammation`` (its median and GSD).

Run by hand: ``python tools/fit_baseline_inflammation.py``; it prints the two numbers to
copy into ``src/neuroimmune/population/covariates.py``, then checks the installed
covariate on a fresh sample and draws ``docs/validation/resting_crp.png`` (``--check``
does only that). Targets (calibration data, see
``neuroimmune.population.inflammation``): the resting CRP of US adults in NHANES
1999-2002, median 2.1 mg/L and 36.7% above 3 mg/L.

Method: for sampled patients (every other covariate and fitted parameter as
``sample_patients`` draws them) resting CRP is computed on a grid of
``baseline_inflammation`` values; CRP rises monotonically with it, so each patient's CRP
at any value is read off the grid (linear in log-log). A lognormal with median ``m`` and
log-SD ``s`` is then drawn for the patients from a fixed stream; for each ``s`` the
median CRP fixes ``m`` by bisection, and the share above 3 mg/L fixes ``s`` by bisection.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from neuroimmune.engines.jax_engine import JaxBatchedEngine
from neuroimmune.population import model_columns, sample_patients
from neuroimmune.population.inflammation import (
    CALIBRATION,
    DEPRESSED_HAMD,
    VALIDATION,
    resting_crp_and_hamd,
    summarise,
)

PATIENTS = 4096
SEED = 11
CHECK_PATIENTS = 16384
CHECK_SEED = 5
FIGURE = Path(__file__).resolve().parents[1] / "docs" / "validation" / "resting_crp.png"
GRID = np.geomspace(0.2, 50.0, 17)


def patient_rows(n: int, seed: int) -> list[dict[str, float]]:
    patients = sample_patients(n, seed)
    columns = model_columns(patients)
    return [dict(zip(columns, map(float, r), strict=True)) for r in patients[columns].to_numpy()]


def crp_on_grid(engine: JaxBatchedEngine) -> np.ndarray:
    """Resting CRP (patients x grid), NaN where a patient has no rest."""
    rows = patient_rows(PATIENTS, SEED)
    crp = np.empty((PATIENTS, GRID.size))
    for k, value in enumerate(GRID):
        crp[:, k], _ = resting_crp_and_hamd(engine, [dict(r, baseline_inflammation=value) for r in rows])
        print(f"baseline_inflammation {value:.3g}: median CRP {np.nanmedian(crp[:, k]):.2f} mg/L",
              flush=True)
    return crp


def crp_at(crp: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each patient's resting CRP at their own ``baseline_inflammation`` (log-log reading)."""
    x = np.log(np.clip(values, GRID[0], GRID[-1]))
    log_grid = np.log(GRID)
    return np.exp([np.interp(xi, log_grid, np.log(row)) for xi, row in zip(x, crp, strict=True)])


def bisect(function, low: float, high: float, steps: int = 40) -> float:
    """The root of an increasing ``function`` between ``low`` and ``high``."""
    for _ in range(steps):
        middle = (low + high) / 2
        low, high = (middle, high) if function(middle) < 0 else (low, middle)
    return (low + high) / 2


def fit(crp: np.ndarray) -> tuple[float, float]:
    ok = np.all(np.isfinite(crp), axis=1)
    crp = crp[ok]
    z = np.random.default_rng(0).standard_normal(len(crp))

    def median_for(log_sd: float) -> float:
        return bisect(lambda log_m: np.median(crp_at(crp, np.exp(log_m + log_sd * z)))
                      - CALIBRATION.median_mg_L, np.log(0.2), np.log(50.0))

    def share_above_3(log_sd: float) -> float:
        values = np.exp(median_for(log_sd) + log_sd * z)
        return float(np.mean(crp_at(crp, values) > 3.0))

    log_sd = bisect(lambda s: share_above_3(s) - CALIBRATION.share_above_3, 0.05, 3.0, steps=25)
    return float(np.exp(median_for(log_sd))), float(np.exp(log_sd))


def check(engine: JaxBatchedEngine) -> None:
    """The installed covariate on patients the fit never saw, drawn over the data."""
    crp, hamd = resting_crp_and_hamd(engine, patient_rows(CHECK_PATIENTS, CHECK_SEED))
    print(asdict(summarise(crp, hamd)))
    ok = np.isfinite(crp) & np.isfinite(hamd)
    crp, hamd = crp[ok], hamd[ok]
    figure = Figure(figsize=(6.4, 4.2))
    axis = figure.subplots()
    for group, label in ((np.ones_like(crp, dtype=bool), "all patients"),
                         (hamd >= DEPRESSED_HAMD, f"HAM-D >= {DEPRESSED_HAMD:g}")):
        values = np.sort(crp[group])
        axis.step(values, 1 - np.arange(1, values.size + 1) / values.size, where="post",
                  label=f"model, {label} (n = {values.size:,})")
    axis.plot([CALIBRATION.median_mg_L, 3.0], [0.5, CALIBRATION.share_above_3], "ks",
              label="NHANES 1999-2002 adults (calibration)")
    for cut, (share, low, high) in ((1.0, VALIDATION.share_above_1),
                                    (3.0, VALIDATION.share_above_3)):
        axis.errorbar([cut], [share], yerr=[[share - low], [high - share]], fmt="o",
                      color="tab:red", capsize=4,
                      label="depressed, Osimo et al. 2019 (validation)" if cut == 1.0 else None)
    axis.set(xscale="log", xlabel="resting CRP (mg/L)", ylabel="share of patients above",
             title="Resting CRP of sampled patients")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(FIGURE, dpi=120)
    print(f"wrote {FIGURE}")


if __name__ == "__main__":
    engine = JaxBatchedEngine()
    if "--check" not in sys.argv:
        median, gsd = fit(crp_on_grid(engine))
        print(f"baseline_inflammation: median {median:.3g}, GSD {gsd:.3g}")
    check(engine)
