"""The fit behind population covariates marked "fitted (tools/fit_covariates.py)".

Run by hand; it prints numbers to copy into ``src/neuroimmune/population/covariates.py``,
then checks the installed covariates on patients the fit never saw and draws
``docs/validation/resting_crp.png``:

    python tools/fit_covariates.py inflammation    # baseline_inflammation
    python tools/fit_covariates.py check           # only the check and the figure

Targets (calibration data) and held-out data are in ``neuroimmune.population.targets``.

Method: resting CRP rises monotonically with ``baseline_inflammation``, so each sampled
patient's resting CRP is computed once on a grid of values and read off it (linearly in
log-log) for any candidate lognormal. The candidate's draws come from a fixed normal
stream, so the fit is deterministic; for each log-SD the median CRP fixes the median by
bisection, and the share above 3 mg/L fixes the log-SD by bisection.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from neuroimmune.engines.jax_engine import JaxBatchedEngine
from neuroimmune.population import patient_overrides, sample_patients
from neuroimmune.population.targets import (
    CRP_CALIBRATION,
    CRP_VALIDATION,
    DEPRESSED_HAMD,
    resting_crp_and_hamd,
    summarise,
)

SEED = 11
CHECK_PATIENTS = 16384
CHECK_SEED = 5
FIGURE = Path(__file__).resolve().parents[1] / "docs" / "validation" / "resting_crp.png"

INFLAMMATION_PATIENTS = 4096
INFLAMMATION_GRID = np.geomspace(0.2, 50.0, 17)


def bisect(function: Callable[[float], float], low: float, high: float, steps: int = 40) -> float:
    """The root of an increasing ``function`` between ``low`` and ``high``."""
    for _ in range(steps):
        middle = (low + high) / 2
        low, high = (middle, high) if function(middle) < 0 else (low, middle)
    return (low + high) / 2


def interpolate(grid: np.ndarray, table: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Row ``i`` of ``table`` (sampled on ``grid``) read at ``values[i]``, linearly."""
    values = np.clip(values, grid[0], grid[-1])
    k = np.clip(np.searchsorted(grid, values) - 1, 0, grid.size - 2)
    weight = (values - grid[k]) / (grid[k + 1] - grid[k])
    rows = np.arange(table.shape[0])
    return table[rows, k] * (1 - weight) + table[rows, k + 1] * weight


# --- baseline inflammation: lognormal, fitted to resting CRP ---------------------------

def crp_on_grid(engine: JaxBatchedEngine) -> np.ndarray:
    rows = patient_overrides(sample_patients(INFLAMMATION_PATIENTS, SEED))
    crp = np.empty((len(rows), INFLAMMATION_GRID.size))
    for k, value in enumerate(INFLAMMATION_GRID):
        crp[:, k], _ = resting_crp_and_hamd(engine, [dict(r, baseline_inflammation=value) for r in rows])
        print(f"baseline_inflammation {value:.3g}: median CRP {np.nanmedian(crp[:, k]):.2f} mg/L",
              flush=True)
    return crp[np.all(np.isfinite(crp), axis=1)]


def fit_inflammation(crp: np.ndarray) -> tuple[float, float]:
    """(median, GSD) giving the NHANES median CRP and share above 3 mg/L."""
    z = np.random.default_rng(0).standard_normal(len(crp))
    log_crp, log_grid = np.log(crp), np.log(INFLAMMATION_GRID)

    def crp_at(log_m: float, log_sd: float) -> np.ndarray:
        return np.exp(interpolate(log_grid, log_crp, log_m + log_sd * z))

    def median_for(log_sd: float) -> float:
        return bisect(lambda log_m: np.median(crp_at(log_m, log_sd)) - CRP_CALIBRATION.median_mg_L,
                      np.log(0.2), np.log(50.0))

    def share_above_3(log_sd: float) -> float:
        return float(np.mean(crp_at(median_for(log_sd), log_sd) > 3.0))

    log_sd = bisect(lambda s: share_above_3(s) - CRP_CALIBRATION.share_above_3, 0.05, 3.0, steps=25)
    return float(np.exp(median_for(log_sd))), float(np.exp(log_sd))


# --- the check on patients the fit never saw ----------------------------------------------

def check(engine: JaxBatchedEngine) -> None:
    """The installed covariate on patients the fit never saw: numbers, then the figure."""
    crp, hamd = resting_crp_and_hamd(engine, patient_overrides(sample_patients(CHECK_PATIENTS, CHECK_SEED)))
    print(asdict(summarise(crp, hamd)))
    ok = np.isfinite(crp) & np.isfinite(hamd)
    crp, hamd = crp[ok], hamd[ok]
    print(f"HAM-D: median {np.median(hamd):.1f}, <= 7 {np.mean(hamd <= 7):.3f}, "
          f">= 18 {np.mean(hamd >= DEPRESSED_HAMD):.4f}")
    draw_crp_over_data(crp, hamd)


def draw_crp_over_data(crp: np.ndarray, hamd: np.ndarray) -> None:
    """Share of patients above each resting CRP, all and depressed, over the data points."""
    figure = Figure(figsize=(6.4, 4.2))
    axis = figure.subplots()
    for group, label in ((np.ones_like(crp, dtype=bool), "all patients"),
                         (hamd >= DEPRESSED_HAMD, f"HAM-D >= {DEPRESSED_HAMD:g}")):
        values = np.sort(crp[group])
        axis.step(values, 1 - np.arange(1, values.size + 1) / values.size, where="post",
                  label=f"model, {label} (n = {values.size:,})")
    axis.plot([CRP_CALIBRATION.median_mg_L, 3.0], [0.5, CRP_CALIBRATION.share_above_3], "ks",
              label="NHANES 1999-2002 adults (calibration)")
    for cut, (share, low, high) in ((1.0, CRP_VALIDATION.share_above_1),
                                    (3.0, CRP_VALIDATION.share_above_3)):
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
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    engine = JaxBatchedEngine()
    if command == "inflammation":
        median, gsd = fit_inflammation(crp_on_grid(engine))
        print(f"baseline_inflammation: median {median:.3g}, GSD {gsd:.3g}")
    elif command != "check":
        sys.exit(f"unknown command {command!r}: inflammation or check")
    check(engine)
