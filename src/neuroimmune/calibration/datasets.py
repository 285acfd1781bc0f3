"""The human data sets the model is fitted to or checked against, and which is which.

Every data set has a role. ``calibration`` data may enter a fitting problem;
``validation`` data (held out) may only be compared with predictions. The split is
fixed here, in one place, so a test can prove that held-out data never reaches a fit.
The Janum 2 ng/kg cohort is split by subject: subjects 17-20 are held out to check the
fitted population distribution on people it has not seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import pandas as pd

from neuroimmune.evidence.datafiles import data_path

Role = Literal["calibration", "validation"]

HELD_OUT_SUBJECTS = frozenset({17, 18, 19, 20})
"""Janum cohort subjects never used for fitting (the last four, chosen before any fit)."""

COHORT_FILE = "lps_bolus_2ngkg_individuals.csv"
COHORT_OBSERVABLES = ("TNF_pg_mL", "IL6_pg_mL", "IL10_pg_mL")
"""IL-8 is in the file but not in the model, so it is neither fitted nor checked."""


@dataclass(frozen=True)
class DataSet:
    """Measurements in long form: ``subject, time_h, observable, value`` plus metadata."""

    name: str
    role: Role
    source: str
    clock_start_h: float
    measurements: pd.DataFrame
    files: tuple[str, ...] = ()


@cache
def _cohort() -> pd.DataFrame:
    wide = pd.read_csv(data_path(COHORT_FILE))
    long = wide.melt(id_vars=["subject", "time_h"], value_vars=list(COHORT_OBSERVABLES),
                     var_name="observable", value_name="value")
    return long.sort_values(["subject", "observable", "time_h"], ignore_index=True)


def lps_cohort(role: Role) -> DataSet:
    """The Janum 2 ng/kg cohort: subjects 1-16 to fit, 17-20 held out."""
    data = _cohort()
    held_out = data["subject"].isin(HELD_OUT_SUBJECTS)
    chosen = data[held_out] if role == "validation" else data[~held_out]
    return DataSet(
        name=f"lps_2ngkg_cohort_{role}",
        role=role,
        source="Janum et al. human endotoxemia cohort, 2 ng/kg IV bolus at 08:00 (evidence/data/"
               f"{COHORT_FILE}; published by msolufse/Inflammation_Bolus_Cont, MIT)",
        clock_start_h=8.0,
        measurements=chosen.reset_index(drop=True),
        files=(COHORT_FILE,),
    )


def cortisol_rhythm() -> DataSet:
    """Debono et al. 2009: the quoted peak (427 nmol/L at 08:32) and nadir (55 at 00:18)."""
    measurements = pd.DataFrame({
        "subject": [0, 0],
        "time_h": [0.533, 16.3],  # clock 08:32 and 00:18 with t = 0 at 08:00
        "observable": ["cortisol_nmol_L", "cortisol_nmol_L"],
        "value": [427.0, 55.0],
    })
    return DataSet(
        name="cortisol_rhythm",
        role="calibration",
        source="Debono et al. 2009 J Clin Endocrinol Metab (evidence/data/reference_facts.csv "
               "cort_peak, cort_nadir)",
        clock_start_h=8.0,
        measurements=measurements,
        files=("reference_facts.csv",),
    )


def all_datasets() -> list[DataSet]:
    """Every data set in the repository, each with its role."""
    return [lps_cohort("calibration"), lps_cohort("validation"), cortisol_rhythm()]
