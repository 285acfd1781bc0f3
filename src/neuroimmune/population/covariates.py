"""Patient covariates: who the virtual patients are, beyond the fitted parameters.

Each covariate has a distribution and a source: a citation or "assumed: <reason>".
Covariates that match a model parameter of the same name (``body_weight_kg``,
``baseline_stress``, ``microbiome_health``, ``depression_vulnerability``,
``baseline_inflammation``) are
passed to the model; ``age_years`` and ``sex`` have no model parameter yet, so they
are recorded beside each patient (for stratifying results) and reach the model only
through the covariates that depend on them (body weight by sex).

The table is declarative data, one entry per covariate, sampled in this order from one
random stream, so a seed fixes every patient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

Kind = Literal["categorical", "uniform", "beta", "normal_by", "lognormal"]


@dataclass(frozen=True)
class Covariate:
    """One patient trait and how it is drawn.

    ``kind`` and ``arguments``:
      categorical  ``{"levels": (...), "probabilities": (...)}``
      uniform      ``{"low": a, "high": b}``
      beta         ``{"a": a, "b": b, "low": lo, "high": hi}`` (Beta(a, b) stretched onto [lo, hi])
      normal_by    ``{"by": other_covariate, "mean": {level: m}, "sd": {level: s},
                     "low": lo, "high": hi}`` (normal within each level, clipped)
      lognormal    ``{"median": m, "gsd": g, "low": lo, "high": hi}`` (clipped)
    """

    name: str
    unit: str
    kind: Kind
    arguments: Mapping[str, object]
    source: str
    description: str


COVARIATES: tuple[Covariate, ...] = (
    Covariate(
        "sex", "", "categorical",
        {"levels": ("female", "male"), "probabilities": (0.5, 0.5)},
        "assumed: a trial cohort balanced by sex",
        "sex; no model parameter depends on it yet except through body weight",
    ),
    Covariate(
        "age_years", "years", "uniform", {"low": 18.0, "high": 80.0},
        "assumed: the adult age range of typical trial eligibility, flat for even coverage",
        "age; recorded for stratification, no model parameter depends on it yet",
    ),
    Covariate(
        "body_weight_kg", "kg", "normal_by",
        {"by": "sex", "mean": {"female": 77.5, "male": 90.6},
         "sd": {"female": 18.0, "male": 18.0}, "low": 40.0, "high": 150.0},
        "means: US adults 20+ years, NHANES 2015-2018 (Fryar et al. 2021, Vital Health Stat "
        "3(46)); SD assumed: 18 kg, the spread of adult weights; clipped to the parameter's "
        "plausible range",
        "body weight; scales doses given per kg and weight-scaled volumes",
    ),
    Covariate(
        "baseline_stress", "dimensionless", "beta", {"a": 1.5, "b": 20.0, "low": 0.0, "high": 1.0},
        "assumed: mean 0.07, most patients below 0.1 ('moderate everyday strain' on the "
        "parameter's scale, where 1 is a Trier test); with the covariates below it gives a "
        "resting HAM-D with median about 10 and 95th percentile about 18",
        "chronic everyday stress load",
    ),
    Covariate(
        "microbiome_health", "dimensionless", "beta", {"a": 8.0, "b": 2.0, "low": 0.2, "high": 1.0},
        "assumed: most people near a healthy microbiome (mean 0.84), a tail towards "
        "dysbiosis; [0.2, 1] is the parameter's plausible range",
        "microbiome health; lower values shrink the commensal niche",
    ),
    Covariate(
        "depression_vulnerability", "dimensionless", "beta",
        {"a": 1.5, "b": 8.0, "low": 0.0, "high": 1.0},
        "assumed: mean 0.16, a long tail; the parameter's scale puts a resting HAM-D near 18 "
        "at about 0.8 (no stress); with the other covariates, 5.4% of patients rest at "
        "HAM-D >= 18 (4.0% if nobody had more than the reference's baseline inflammation), "
        "near the 4.4% point prevalence of depressive disorders (WHO 2017, Depression and "
        "other common mental disorders)",
        "constitutive depressive load (genetic and developmental risk)",
    ),
    Covariate(
        "baseline_inflammation", "dimensionless", "lognormal",
        {"median": 4.71, "gsd": 2.18, "low": 0.2, "high": 50.0},
        "fitted (tools/fit_covariates.py) to the resting CRP of US adults, NHANES "
        "1999-2002: median 2.1 mg/L (Woloshin & Schwartz 2005, N Engl J Med 352:1611), 36.7% "
        "above 3 mg/L (Ong et al. 2013, Am J Epidemiol 177:1430); lognormal because CRP is; "
        "calibration data, so the fit is no evidence for the model (see "
        "neuroimmune.population.targets for the held-out check)",
        "chronic low-grade inflammation: constitutive IL-6 release relative to a young lean "
        "adult; sets resting IL-6 and CRP",
    ),
)


def sample_covariates(n: int, rng: np.random.Generator,
                      covariates: tuple[Covariate, ...] = COVARIATES) -> dict[str, np.ndarray]:
    """Draw every covariate for ``n`` patients from ``rng``, in table order."""
    drawn: dict[str, np.ndarray] = {}
    for covariate in covariates:
        args = covariate.arguments
        if covariate.kind == "categorical":
            levels = np.asarray(args["levels"], dtype=object)
            drawn[covariate.name] = levels[rng.choice(len(levels), size=n, p=args["probabilities"])]
        elif covariate.kind == "uniform":
            drawn[covariate.name] = rng.uniform(args["low"], args["high"], size=n)
        elif covariate.kind == "beta":
            unit = rng.beta(args["a"], args["b"], size=n)
            drawn[covariate.name] = args["low"] + (args["high"] - args["low"]) * unit
        elif covariate.kind == "normal_by":
            level = drawn[args["by"]]
            mean = np.array([args["mean"][x] for x in level], dtype=float)
            sd = np.array([args["sd"][x] for x in level], dtype=float)
            values = mean + sd * rng.standard_normal(n)
            drawn[covariate.name] = np.clip(values, args["low"], args["high"])
        elif covariate.kind == "lognormal":
            values = args["median"] * np.exp(np.log(args["gsd"]) * rng.standard_normal(n))
            drawn[covariate.name] = np.clip(values, args["low"], args["high"])
        else:  # pragma: no cover - the table above is the only source of kinds
            raise ValueError(f"covariate {covariate.name}: unknown kind {covariate.kind!r}")
    return drawn
