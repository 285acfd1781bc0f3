"""Calibration problems as data: which data set, which scenario, which parameters.

A problem file names a data set from ``datasets.py`` (so its role is checked: a
validation data set can never be loaded into a problem), the scenario that reproduces
the experiment, and the parameters to estimate on a log10 scale within their
plausible ranges. It may also list calibration findings of the evidence table read
from other protocols (doses, repeated doses, glucocorticoids), fitted jointly.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from neuroimmune.calibration.datasets import DataSet, all_datasets
from neuroimmune.model.compose import compose


class ProblemError(ValueError):
    """A calibration problem file is malformed or asks for held-out data."""


@dataclass(frozen=True)
class CalibrationProblem:
    name: str
    description: str
    dataset: DataSet
    scenario: str
    estimate: tuple[str, ...]
    individual: tuple[str, ...]
    findings: tuple[str, ...] = ()
    """Calibration findings from other protocols fitted jointly with the data set."""

    def bounds(self) -> tuple[list[float], list[float]]:
        """log10 bounds of the estimated parameters, from their plausible ranges."""
        import math

        parameters = compose().parameters
        lower = [math.log10(max(parameters[n].low, 1e-12)) for n in self.estimate]
        upper = [math.log10(parameters[n].high) for n in self.estimate]
        return lower, upper

    def nominal(self) -> list[float]:
        import math

        parameters = compose().parameters
        return [math.log10(parameters[n].value) for n in self.estimate]


def builtin_problems() -> list[str]:
    folder = resources.files("neuroimmune.calibration").joinpath("problems")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir()
                  if p.name.endswith(".toml"))


def load_problem(name: str) -> CalibrationProblem:
    """A built-in problem by name; refuses any data set whose role is not calibration."""
    if name not in builtin_problems():
        raise ProblemError(f"unknown calibration problem {name!r}; "
                           f"choose one of {', '.join(builtin_problems())}")
    text = resources.files("neuroimmune.calibration").joinpath(f"problems/{name}.toml")
    return problem_from_spec(tomllib.loads(text.read_text(encoding="utf-8")))


def problem_from_spec(spec: dict) -> CalibrationProblem:
    """Build a problem from its parsed file; the data set's role is checked here."""
    name = spec.get("name", "<problem>")
    datasets = {d.name: d for d in all_datasets()}
    dataset = datasets.get(spec["dataset"])
    if dataset is None:
        raise ProblemError(f"{name}: unknown data set {spec['dataset']!r}")
    if dataset.role != "calibration":
        raise ProblemError(f"{name}: data set {dataset.name!r} is held out for validation "
                           "and may not enter a calibration problem")
    known = compose().parameters
    for parameter in [*spec["estimate"], *spec.get("individual", [])]:
        if parameter not in known:
            raise ProblemError(f"{name}: unknown parameter {parameter!r}")
    return CalibrationProblem(
        name=spec["name"], description=spec["description"], dataset=dataset,
        scenario=spec["scenario"], estimate=tuple(spec["estimate"]),
        individual=tuple(spec.get("individual", ())),
        findings=_checked_findings(name, spec.get("findings", [])),
    )


def _checked_findings(name: str, ids: list[str]) -> tuple[str, ...]:
    from neuroimmune.calibration.targets import TargetError, load_targets

    try:
        load_targets(ids)
    except TargetError as error:
        raise ProblemError(f"{name}: {error}") from None
    return tuple(ids)
