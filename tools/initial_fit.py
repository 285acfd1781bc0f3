"""First fit of the default parameters that the parameter tables mark "calibrated to ...".

Run once by hand: ``python tools/initial_fit.py cortisol|lps``. It prints fitted values
to copy into ``src/neuroimmune/model/parameters/*.toml``. Data: the cortisol rhythm
of Debono et al. 2009 (peak 427 nmol/L at 08:32, nadir 55 at 00:18; the shape between
them read off their published mean curve) and the medians of the Janum 2 ng/kg cohort
(shared/data). A full calibration with uncertainty is separate work; these values only
put the defaults in the right range.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

import neuroimmune as ni

# clock hour -> cortisol nmol/L, Debono et al. 2009 mean profile (peak and nadir quoted,
# intermediate points read off the published curve)
CORTISOL_PROFILE = {
    0.3: 55, 2.0: 75, 4.0: 150, 6.0: 310, 7.0: 390, 8.5: 427, 10.0: 360, 12.0: 280,
    14.0: 230, 16.0: 190, 18.0: 150, 20.0: 110, 22.0: 75,
}
COHORT = Path(__file__).resolve().parents[2] / "shared" / "data" / "lps_bolus_2ngkg_individuals.csv"


def fit(names, x0, residuals, bounds):
    def guarded(x):
        try:
            return residuals(dict(zip(names, x, strict=True)))
        except ni.engines.SimulationError:
            return np.full(guarded.size, 10.0)

    guarded.size = len(residuals(dict(zip(names, x0, strict=True))))
    result = least_squares(guarded, x0,
                           bounds=bounds, x_scale="jac", diff_step=1e-3)
    for name, value in zip(names, result.x, strict=True):
        print(f"{name} = {value:.4g}")
    print("cost", result.cost)


def cortisol() -> None:
    names = ["circadian_peak_h", "circadian_a1", "circadian_a2", "circadian_phi2",
             "ACTH_per_CRH", "acth_adrenal_ec50"]
    clocks = np.array(list(CORTISOL_PROFILE))
    target = np.log(np.array(list(CORTISOL_PROFILE.values()), dtype=float))

    def residuals(p):
        r = ni.simulate("baseline", **p)
        clock = (r.time_h + 8.0) % 24.0
        mask = r.time_h >= 24
        model = np.interp(clocks, clock[mask][np.argsort(clock[mask])],
                          r["cortisol_nmol_L"][mask][np.argsort(clock[mask])])
        return np.log(model) - target

    fit(names, [9.5, 0.86, 0.31, -1.9, 55, 57], residuals,
        ([3, 0.1, 0, -3.15, 5, 5], [12, 5, 3, 3.15, 200, 300]))


def lps() -> None:
    data = pd.read_csv(COHORT).groupby("time_h").median()
    names = ["k_monocyte_activation", "p_TNF_monocyte", "p_IL6_monocyte",
             "p_IL6_tnf", "p_IL10_monocyte", "p_IL10_il6", "k_monocyte_deactivation",
             "k_monocyte_maturation", "tnf_il6_ec50", "il10_cytokine_ic50", "k_LPS",
             "il6_tnf_ic50"]
    columns = ["TNF_pg_mL", "IL6_pg_mL", "IL10_pg_mL"]

    def residuals(p):
        r = ni.simulate("lps_2ngkg", **p)
        out = []
        for column in columns:
            model = np.interp(data.index, r.time_h, r[column])
            out.append(np.log(model) - np.log(data[column].to_numpy()))
        return np.concatenate(out)

    x0 = [1.0, 11870, 4.3, 138500, 135, 3710, 1.5, 1.53, 441, 36.9, 0.96, 1881]
    lower = [0.1, 50, 0, 100, 0, 1, 0.3, 0.5, 50, 5, 0.5, 100]
    upper = [20, 100000, 10000, 1000000, 1000, 20000, 5, 10, 1000, 60, 3, 2000]
    fit(names, x0, residuals, (lower, upper))


if __name__ == "__main__":
    {"cortisol": cortisol, "lps": lps}[sys.argv[1]]()
