"""Virtual clinical trials: arms of scenarios over the same eligible virtual patients.

A trial file (TOML, data only) names its arms, patients per arm, seed, inclusion
criteria on baseline observables and outcomes::

    name = "Paroxetine pretreatment during interferon-alpha"
    patients_per_arm = 200
    seed = 1
    screened = 400                      # candidates drawn for screening (default 4x)
    inclusion = ["hamd < 18"]           # on each candidate's resting (baseline) values

    [[arm]]                             # the first arm is the control
    name = "interferon"
    scenario = "ifn_alpha_therapy"      # a built-in name, a path, or an inline table

    [[outcome]]
    name = "depression"
    kind = "incidence"                  # incidence | change | auc
    observable = "hamd"
    threshold = 18                      # incidence only; below = true for "<="
    window_h = [0, 2016]                # optional, default the whole run

How it runs: candidates are drawn from the population distribution (``seed``), their
resting values are computed in a short screening run without interventions (the first
arm's clock time and patient table), the first ``patients_per_arm`` who meet every
criterion are enrolled, and every arm simulates those same patients: each patient is
their own control (a "virtual twin" design), so differences between arms are paired.
The 95% intervals are percentile bootstrap intervals over patients, resampled jointly
across arms (2000 resamples from the trial seed). ``stratify=("CRP_mg_L", 5)`` repeats
every estimate within ``baseline < 5`` and ``baseline >= 5``.
"""

from __future__ import annotations

import json
import math
import operator
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuroimmune.observables import BY_NAME
from neuroimmune.population.outcomes import WindowOutcome, column
from neuroimmune.population.run import PopulationError, RunSettings, run_population
from neuroimmune.population.sampling import sample_patients
from neuroimmune.scenarios.loader import ScenarioError, load_scenario, scenario_from_dict
from neuroimmune.scenarios.model import Scenario

BOOTSTRAP_RESAMPLES = 2000
SCREENING_DURATION_H = 0.5
"""The screening run only needs each candidate's rest at t = 0; a short run gives it."""
DEFAULT_SCREENING_FACTOR = 4

_OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
_CRITERION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|>|<)\s*([-+0-9.eE]+)\s*$")
_KINDS = ("incidence", "change", "auc")


class TrialError(ValueError):
    """A trial file has problems; the message lists every one."""


@dataclass(frozen=True)
class Criterion:
    """``observable op value`` on a patient's baseline (resting) value, e.g. ``hamd >= 18``."""

    observable: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.observable} {self.op} {self.value:g}"

    def holds(self, baseline: pd.Series) -> pd.Series:
        return _OPERATORS[self.op](baseline, self.value)


@dataclass(frozen=True)
class Arm:
    name: str
    scenario: Scenario


@dataclass(frozen=True)
class Trial:
    name: str
    patients_per_arm: int
    seed: int
    arms: tuple[Arm, ...]
    outcomes: tuple[WindowOutcome, ...]
    inclusion: tuple[Criterion, ...] = ()
    screened: int = 0
    description: str = ""


def parse_criterion(text: str) -> Criterion:
    match = _CRITERION.match(text)
    if not match or match.group(1) not in BY_NAME:
        raise ValueError(f"criterion {text!r}: write OBSERVABLE OP NUMBER with an observable "
                         "name and one of >=, >, <=, <, e.g. 'hamd >= 18'")
    return Criterion(match.group(1), match.group(2), float(match.group(3)))


def _arm_scenario(entry: Any, folder: Path) -> Scenario:
    if isinstance(entry, Mapping):
        return scenario_from_dict(dict(entry))
    if not isinstance(entry, str):
        raise ScenarioError("scenario must be a built-in name, a path or an inline table")
    path = folder / entry
    return load_scenario(path if entry.endswith(".toml") and path.exists() else entry)


def load_trial(path: str | Path) -> Trial:
    """Read and check a trial file; every problem is reported at once."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TrialError(f"{path}: cannot read ({error.strerror or error})") from error
    except tomllib.TOMLDecodeError as error:
        raise TrialError(f"{path}: not valid TOML ({error})") from error
    problems: list[str] = []
    known = {"name", "description", "patients_per_arm", "seed", "screened", "inclusion",
             "arm", "outcome", "duration_h"}
    problems += [f"unknown key {key!r}" for key in data if key not in known]
    per_arm, seed = data.get("patients_per_arm"), data.get("seed", 0)
    if not isinstance(per_arm, int) or per_arm < 2:
        problems.append("patients_per_arm: an integer of at least 2 is required")
    if not isinstance(seed, int):
        problems.append("seed: must be an integer")
    criteria = []
    for text in data.get("inclusion", []):
        try:
            criteria.append(parse_criterion(str(text)))
        except ValueError as error:
            problems.append(f"inclusion: {error}")
    arms = []
    for i, entry in enumerate(data.get("arm", []), start=1):
        name = entry.get("name") or f"arm {i}"
        try:
            scenario = _arm_scenario(entry.get("scenario"), path.parent)
            if "duration_h" in data:
                scenario = replace(scenario, duration_h=float(data["duration_h"]))
            arms.append(Arm(str(name), scenario))
        except ScenarioError as error:
            problems.append(f"arm {name!r}: {error}")
    if len(data.get("arm", [])) < 1:
        problems.append("at least one [[arm]] is required (two or more to compare)")
    if len({a.name for a in arms}) < len(arms):
        problems.append("arm names must differ")
    outcomes = []
    for i, entry in enumerate(data.get("outcome", []), start=1):
        where = f"outcome {entry.get('name') or i}"
        kind, observable = entry.get("kind"), entry.get("observable")
        if kind not in _KINDS:
            problems.append(f"{where}: kind must be one of {', '.join(_KINDS)}")
        if observable not in BY_NAME:
            problems.append(f"{where}: unknown observable {observable!r}")
        if kind == "incidence" and not isinstance(entry.get("threshold"), int | float):
            problems.append(f"{where}: an incidence needs a numeric threshold")
        window = entry.get("window_h", [0.0, math.inf])
        if not (isinstance(window, list) and len(window) == 2 and window[0] < window[1]):
            problems.append(f"{where}: window_h must be [start, end] with start < end")
            window = [0.0, math.inf]
        outcomes.append(WindowOutcome(str(entry.get("name") or f"outcome_{i}"), str(kind),
                                      str(observable), float(window[0]), float(window[1]),
                                      entry.get("threshold"), bool(entry.get("below", False))))
    if not outcomes:
        problems.append("at least one [[outcome]] is required")
    screened = data.get("screened", 0)
    if not isinstance(screened, int) or (screened and isinstance(per_arm, int) and screened < per_arm):
        problems.append("screened: an integer at least patients_per_arm")
    if problems:
        raise TrialError(f"{path}: " + "; ".join(problems))
    if not screened:
        screened = per_arm * (DEFAULT_SCREENING_FACTOR if criteria else 1)
    return Trial(str(data.get("name", path.stem)), per_arm, seed, tuple(arms), tuple(outcomes),
                 tuple(criteria), screened, str(data.get("description", "")))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "arm"


def _interval(samples: np.ndarray) -> list[float | None]:
    finite = samples[np.isfinite(samples)]
    if finite.size < 0.95 * samples.size:  # e.g. a ratio whose denominator is often 0
        return [None, None]
    low, high = np.percentile(finite, [2.5, 97.5])
    return [float(low), float(high)]


def _number(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


RATIO_FLOOR = 1e-3
"""A control mean below this share of the compared arm's is treated as zero: no ratio."""


def _usable_denominator(control: float, arm: float) -> bool:
    """A ratio to a control mean of (nearly) zero is noise, not an effect size: e.g. the
    change in HAM-D of an untreated arm that stays at rest (1e-6) would give 10^5."""
    return bool(control) and abs(control) > RATIO_FLOOR * abs(arm)


def _estimates(values: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, Any]:
    """Means per arm and differences/ratios to the first arm, with paired bootstrap CIs."""
    names = list(values)
    n = len(next(iter(values.values())))
    if n == 0:
        return {"arms": {a: {"value": None, "ci95": [None, None], "n": 0} for a in names},
                "comparisons": {}}
    means = {a: np.empty(BOOTSTRAP_RESAMPLES) for a in names}
    for start in range(0, BOOTSTRAP_RESAMPLES, 250):
        stop = min(start + 250, BOOTSTRAP_RESAMPLES)
        index = rng.integers(0, n, size=(stop - start, n))
        for a in names:
            means[a][start:stop] = values[a][index].mean(axis=1)
    arms = {a: {"value": _number(values[a].mean()), "ci95": _interval(means[a]), "n": n}
            for a in names}
    control = names[0]
    comparisons = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for a in names[1:]:
            ratio = {"value": None, "ci95": [None, None]}
            if _usable_denominator(values[control].mean(), values[a].mean()):
                ratio = {"value": _number(values[a].mean() / values[control].mean()),
                         "ci95": _interval(means[a] / means[control])}
            comparisons[f"{a} vs {control}"] = {
                "difference": {"value": _number(values[a].mean() - values[control].mean()),
                               "ci95": _interval(means[a] - means[control])},
                "ratio": ratio,
            }
    return {"arms": arms, "comparisons": comparisons}


def _analyse(trial: Trial, table: pd.DataFrame, mask: np.ndarray, seed: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for k, outcome in enumerate(trial.outcomes):
        values = {arm.name: table[(arm.name, outcome.column)].to_numpy()[mask] for arm in trial.arms}
        finite = np.all([np.isfinite(v) for v in values.values()], axis=0)
        values = {a: v[finite] for a, v in values.items()}
        result[outcome.name] = {"kind": outcome.kind, "observable": outcome.observable,
                                **_estimates(values, np.random.default_rng([seed, k]))}
    return result


def run_trial(trial: Trial, out: str | Path, settings: RunSettings | None = None,
              stratify: tuple[str, float] | None = None) -> dict[str, Any]:
    """Screen, enrol, simulate every arm and write ``outcomes.json``; returns its content.

    ``settings`` control how runs are carried out (workers, chunk size, resume); each
    arm's runs and the screening are resumable population runs under ``out``.
    """
    from neuroimmune.io import write_atomically
    from neuroimmune.population.run import make_engine

    out = Path(out)
    settings = replace(settings or RunSettings(), window_outcomes=trial.outcomes,
                       fan_patients=min((settings or RunSettings()).fan_patients, trial.patients_per_arm))
    if stratify and stratify[0] not in BY_NAME:
        raise PopulationError(f"--stratify: unknown observable {stratify[0]!r}")
    out.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings)
    try:
        first = trial.arms[0].scenario
        screening = replace(first, name=f"{trial.name}: screening", interventions=(),
                            duration_h=SCREENING_DURATION_H, output_step_h=None)
        candidates = sample_patients(trial.screened, trial.seed)
        screen = run_population(screening, trial.screened, trial.seed, out / "screening",
                                replace(settings, plots=False, window_outcomes=()),
                                engine=engine, patients=candidates)
        baseline = screen.outcomes()
        eligible = np.ones(len(baseline), dtype=bool)
        for criterion in trial.inclusion:
            eligible &= criterion.holds(baseline[column(criterion.observable, "baseline")]).to_numpy()
        enrolled_ids = baseline.index[eligible][: trial.patients_per_arm]
        if len(enrolled_ids) < 2:
            raise PopulationError(f"only {len(enrolled_ids)} of {trial.screened} screened patients "
                                  "meet the inclusion criteria; raise `screened` or relax them")
        enrolled = candidates.loc[enrolled_ids]
        frames = {}
        for arm in trial.arms:
            run = run_population(arm.scenario, len(enrolled), trial.seed, out / "arms" / _slug(arm.name),
                                 settings, engine=engine, patients=enrolled)
            frames[arm.name] = run.outcomes()
    finally:
        engine.close()

    table = pd.concat(frames, axis=1)
    strata_base = baseline.loc[enrolled_ids]
    document: dict[str, Any] = {
        "trial": trial.name, "seed": trial.seed, "patients_per_arm": trial.patients_per_arm,
        "screened": trial.screened, "eligible": int(eligible.sum()), "enrolled": len(enrolled_ids),
        "inclusion": [str(c) for c in trial.inclusion], "control": trial.arms[0].name,
        "arms": {a.name: a.scenario.name for a in trial.arms},
        "design": "every arm simulates the same enrolled virtual patients (paired); 95% CIs are "
                  f"percentile bootstrap intervals over patients, {BOOTSTRAP_RESAMPLES} resamples "
                  "drawn jointly across arms from the trial seed; values are means (incidence: "
                  "share of patients); ratios are arm / control",
        "outcomes": _analyse(trial, table, np.ones(len(table), dtype=bool), trial.seed),
    }
    if stratify:
        name, cut = stratify
        level = strata_base[column(name, "baseline")].to_numpy()
        document["strata"] = {
            f"{name} < {cut:g}": _analyse(trial, table, level < cut, trial.seed),
            f"{name} >= {cut:g}": _analyse(trial, table, level >= cut, trial.seed),
        }
        document["strata_n"] = {f"{name} < {cut:g}": int(np.sum(level < cut)),
                                f"{name} >= {cut:g}": int(np.sum(level >= cut))}
    per_patient = []
    for arm in trial.arms:
        block = frames[arm.name][[o.column for o in trial.outcomes]].copy()
        block.columns = [o.name for o in trial.outcomes]
        block.insert(0, "arm", arm.name)
        per_patient.append(block.reset_index())
    from neuroimmune.population.store import write_table

    write_table(out / "per_patient.parquet", pd.concat(per_patient, ignore_index=True), "trial")
    write_atomically(out / "outcomes.json", json.dumps(document, indent=2, allow_nan=False) + "\n")
    return document
