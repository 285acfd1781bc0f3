"""What a sensitivity analysis varies (parameters over their ranges) and what it reads.

Each varied parameter is drawn from its plausible range in the model
(``compose().parameters[name].low`` / ``.high``, the range `neuroimmune parameters`
lists): **log-uniform** when the range spans more than a decade and its lower bound
is positive (the ranges of rate constants and potencies that are only known to an
order of magnitude), **uniform** otherwise. SALib samples in the sampling space
(``log10`` of the value for log-uniform parameters) and ``to_values`` maps back.

An outcome is one of the per-patient numbers of a population run
(``neuroimmune.population.outcomes``): an observable and a metric, written
``"TNF_pg_mL:peak"`` on the command line.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from neuroimmune.observables import BY_NAME
from neuroimmune.population.outcomes import METRICS, column

if TYPE_CHECKING:
    from neuroimmune.model.core import Parameter

LOG_SPAN = 10.0
"""A range whose upper bound is more than this many times its (positive) lower bound is
sampled log-uniformly."""

DEFAULT_PARAMETERS: tuple[str, ...] = (
    # innate: endotoxin sensing, monocyte activation, cytokine and CRP release
    "pamp_ec50", "pamp_neutralised", "k_monocyte_activation", "p_TNF_monocyte", "gc_cytokine_ic50",
    "tnf_il6_ec50", "p_CRP",
    # gut: the pathobiont niche and the patient's microbiome
    "pathobiont_capacity", "microbiome_health",
    # HPA axis: adrenal sensitivity and everyday stress
    "acth_adrenal_ec50", "baseline_stress",
    # immune-to-brain signalling: brain cytokines and the vagal route
    "k_brain_cyt", "p_brain_cyt_microglia", "vagal_afferent_ec50",
    # brain: microglia and the kynurenine pathway
    "k_microglia_on", "microglia_ec50", "k_KYN",
    # patient trait
    "depression_vulnerability",
)
"""The default set: 18 parameters across the innate, gut, HPA, immune-to-brain, brain and
patient layers. Chosen by a one-at-a-time sweep of every variable parameter of the model
from the low to the high end of its range on ``lps_2ngkg`` (docs/sensitivity.md,
"Default parameters"): the two or three that move the cytokine, CRP, cortisol,
microglia, kynurenine, fatigue and HAM-D outcomes most in each layer, leaving out near
duplicates (``commensal_pathobiont_competition`` acts like ``pathobiont_capacity``)."""


class SensitivityError(ValueError):
    """A sensitivity analysis cannot run as asked (the message says what to change)."""


@dataclass(frozen=True)
class ParameterRange:
    """One varied parameter: its plausible range and how it is drawn from it."""

    name: str
    low: float
    high: float
    log: bool
    unit: str
    subsystem: str
    default: float

    @property
    def distribution(self) -> str:
        return "log-uniform" if self.log else "uniform"

    @property
    def sampling_bounds(self) -> tuple[float, float]:
        """The bounds SALib samples between (``log10`` of the range when log-uniform)."""
        if self.log:
            return float(np.log10(self.low)), float(np.log10(self.high))
        return self.low, self.high


@dataclass(frozen=True)
class SensitivityProblem:
    """The varied parameters, in order; the columns of every sample matrix."""

    parameters: tuple[ParameterRange, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    def salib(self) -> dict:
        """The problem as SALib wants it, in sampling space."""
        return {"num_vars": len(self.parameters), "names": list(self.names),
                "bounds": [list(p.sampling_bounds) for p in self.parameters]}

    def to_values(self, samples: np.ndarray) -> np.ndarray:
        """Sampling-space rows -> parameter values (clipped to the ranges against round-off)."""
        samples = np.asarray(samples, dtype=float)
        values = samples.copy()
        for j, p in enumerate(self.parameters):
            if p.log:
                values[:, j] = 10.0 ** samples[:, j]
            values[:, j] = np.clip(values[:, j], p.low, p.high)
        return values


def _hint(name: str, choices: Sequence[str]) -> str:
    """``"; did you mean ..."`` with names that start like ``name`` or resemble it, or ``""``."""
    starts = [c for c in choices if c.lower().startswith(name.lower())]
    close = list(dict.fromkeys([*starts, *difflib.get_close_matches(name, choices, n=3)]))[:3]
    return f"; did you mean {', '.join(close)}?" if close else ""


def _is_scenario_input(parameter: Parameter) -> bool:
    return parameter.subsystem == "input" or parameter.source.startswith("scenario input")


def define_problem(names: Sequence[str] | None = None) -> SensitivityProblem:
    """The problem over ``names`` (default ``DEFAULT_PARAMETERS``), each over its plausible range.

    Every unusable name is reported at once: unknown (with the closest names), listed
    twice, without a range (a constant by definition), or a scenario input (set by
    interventions, not a property of the patient).
    """
    from neuroimmune.model.compose import compose

    known = compose().parameters
    names = tuple(DEFAULT_PARAMETERS if names is None else names)
    problems: list[str] = []
    if not names:
        problems.append("no parameters to vary; name at least one")
    seen: set[str] = set()
    ranges: list[ParameterRange] = []
    for name in names:
        parameter = known.get(name)
        if name in seen:
            problems.append(f"parameter {name!r} is listed twice")
        elif parameter is None:
            problems.append(f"unknown parameter {name!r}{_hint(name, list(known))}")
        elif _is_scenario_input(parameter):
            problems.append(f"parameter {name!r} is a scenario input (set by the scenario's "
                            "interventions), not a property of the patient")
        elif not parameter.low < parameter.high:
            problems.append(f"parameter {name!r} has no range to vary over "
                            f"(fixed at {parameter.value:g} {parameter.unit})")
        else:
            log = parameter.low > 0 and parameter.high / parameter.low > LOG_SPAN
            ranges.append(ParameterRange(name, float(parameter.low), float(parameter.high), log,
                                         parameter.unit, parameter.subsystem, float(parameter.value)))
        seen.add(name)
    if problems:
        raise SensitivityError("; ".join(problems) + " (`neuroimmune parameters` lists them all)")
    return SensitivityProblem(tuple(ranges))


def variable_parameters() -> tuple[str, ...]:
    """Every parameter ``define_problem`` accepts: the candidates of a full screen."""
    from neuroimmune.model.compose import compose

    return tuple(name for name, p in compose().parameters.items()
                 if p.low < p.high and not _is_scenario_input(p))


@dataclass(frozen=True)
class Outcome:
    """A per-patient outcome: ``metric`` (one of ``METRICS``) of ``observable``."""

    observable: str
    metric: str

    @property
    def label(self) -> str:
        return f"{self.observable}:{self.metric}"

    @property
    def column(self) -> str:
        """The column of population outcome tables, e.g. ``"TNF_pg_mL.peak"``."""
        return column(self.observable, self.metric)

    @property
    def unit(self) -> str:
        unit = BY_NAME[self.observable].unit
        if self.metric == "time_of_peak_h":
            return "h"
        return f"({unit})*h" if self.metric == "auc" else unit


def parse_outcome(text: str) -> Outcome:
    """``"OBSERVABLE:METRIC"`` -> ``Outcome``, refusing unknown names with a suggestion."""
    observable, sep, metric = (part.strip() for part in text.partition(":"))
    if not sep or not observable or not metric:
        raise SensitivityError(f"outcome {text!r}: write OBSERVABLE:METRIC, e.g. TNF_pg_mL:peak "
                               f"(metrics: {', '.join(METRICS)})")
    if observable not in BY_NAME:
        hint = _hint(observable, list(BY_NAME))
        raise SensitivityError(f"outcome {text!r}: unknown observable {observable!r}{hint} "
                               f"(observables: {', '.join(BY_NAME)})")
    if metric not in METRICS:
        raise SensitivityError(f"outcome {text!r}: unknown metric {metric!r} "
                               f"(metrics: {', '.join(METRICS)})")
    return Outcome(observable, metric)
