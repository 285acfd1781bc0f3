"""Turn what a web client sent into a validated scenario, or into problems that name the field.

Every check that the command line makes goes through the same scenario linter
(``neuroimmune.scenarios.lint``), so a file that fails ``neuroimmune lint`` fails here
with the same message; its locations (``intervention[0].amount``) are prefixed with
where the scenario sits in the request (``scenario.intervention[0].amount``). The web
caps of ``WebLimits`` come on top. Some are checked before the linter runs, because
the linter's own cost grows with the number of repeats it expands.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from neuroimmune.model.compose import parameter_ranges
from neuroimmune.observables import BY_NAME, OBSERVABLE_NAMES
from neuroimmune.scenarios import Problem, Scenario, ScenarioError, scenario_from_dict
from neuroimmune.scenarios.lint import fmt_number, lint_scenario, repeat_count
from neuroimmune.simulation import output_times
from neuroimmune.web.limits import WebLimits

log = logging.getLogger(__name__)

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with a request: the field as a dotted path, and what to do."""

    field: str
    message: str

    @property
    def loc(self) -> list[str | int]:
        """The field as FastAPI-style location parts: ``["body", "scenario", "intervention", 0]``."""
        parts: list[str | int] = ["body"]
        for name, index in _PART.findall(self.field):
            parts.append(int(index) if index else name)
        return parts


class InvalidRequest(ValueError):
    """The request cannot be served as sent; ``problems`` says every reason (answered 422)."""

    def __init__(self, problems: Iterable[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


def _join(prefix: str, location: str) -> str:
    if not location:
        return prefix
    if location.startswith("line ") or location == "end of file":
        return f"{prefix} ({location})"
    return f"{prefix}.{location}" if prefix else location


def problems_at(prefix: str, problems: Iterable[Problem]) -> list[FieldProblem]:
    """Linter problems re-located under ``prefix`` (the scenario's place in the request)."""
    return [FieldProblem(_join(prefix, p.location), p.message) for p in problems]


def checked_scenario(data: Any, limits: WebLimits, prefix: str = "scenario") -> Scenario:
    """A validated scenario within the web caps, or ``InvalidRequest`` naming each field."""
    guard = _pre_lint(data, limits, prefix)
    if guard:
        raise InvalidRequest(guard)
    try:
        scenario = scenario_from_dict(data, parameter_ranges(), source="request")
    except ScenarioError as error:
        raise InvalidRequest(problems_at(prefix, error.problems)) from None
    except (ArithmeticError, ValueError, TypeError, RecursionError) as error:
        # The linter promises never to raise for bad input; if it does, the input is
        # still the cause, so the client hears 422 and the log keeps the trace.
        log.warning("scenario linter raised on a request", exc_info=error)
        raise InvalidRequest([FieldProblem(prefix, f"cannot be checked ({type(error).__name__}); "
                                                   "check its numbers for extreme values")]) from None
    problems = _web_caps(scenario, limits, prefix)
    if problems:
        raise InvalidRequest(problems)
    return scenario


def checked_overrides(overrides: Mapping[str, float]) -> dict[str, float]:
    """Parameter overrides, each a known patient parameter within its plausible range.

    The same rules as a scenario's ``[patient]`` table (the linter checks both), so a
    web client cannot push the model outside the ranges its parameters were chosen for.
    """
    if not overrides:
        return {}
    probe = {"name": "overrides", "duration_h": 1.0, "patient": dict(overrides)}
    problems = lint_scenario(probe, parameter_ranges())
    if problems:
        raise InvalidRequest(
            FieldProblem("overrides" + p.location.removeprefix("patient"), p.message)
            for p in problems)
    return {name: float(value) for name, value in overrides.items()}


def checked_observables(names: Sequence[str] | None) -> tuple[str, ...]:
    """The observables asked for, in contract order (all when ``names`` is None)."""
    if names is None:
        return OBSERVABLE_NAMES
    problems = [
        FieldProblem(f"observables[{i}]", f"{name!r} is not an observable; use names from "
                                          "GET /api/observables, e.g. TNF_pg_mL")
        for i, name in enumerate(names) if name not in BY_NAME]
    if not names:
        problems.append(FieldProblem("observables", "is empty; leave it out for every "
                                                    "observable, or name at least one"))
    if problems:
        raise InvalidRequest(problems)
    wanted = set(names)
    return tuple(name for name in OBSERVABLE_NAMES if name in wanted)


# --- caps ------------------------------------------------------------------------------


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _pre_lint(data: Any, limits: WebLimits, prefix: str) -> list[FieldProblem]:
    """Caps whose breach would make the linter itself slow: entries and repeats."""
    if not isinstance(data, Mapping):
        return []
    items = data.get("intervention")
    if not isinstance(items, list):
        return []
    if len(items) > limits.max_interventions:
        return [FieldProblem(f"{prefix}.intervention", f"{len(items)} interventions; the web "
                                                       f"service takes at most "
                                                       f"{limits.max_interventions}")]
    problems = []
    total = 0.0
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        first = _finite(item.get("at_h", item.get("from_h")))
        every, until = _finite(item.get("every_h")), _finite(item.get("until_h"))
        if first is None or every is None or until is None or every <= 0 or until < first:
            total += 1
            continue
        count = (until - first) / every + 1
        if not math.isfinite(count) or count > limits.max_administrations:
            problems.append(FieldProblem(
                f"{prefix}.intervention[{index}].every_h",
                f"repeats every {fmt_number(every)} h from {fmt_number(first)} to "
                f"{fmt_number(until)} h: more than the web limit of "
                f"{limits.max_administrations:,} administrations; lengthen every_h"))
        total += count
    if not problems and total > limits.max_administrations:
        problems.append(FieldProblem(f"{prefix}.intervention", f"{math.floor(total):,} "
                                     "administrations in all, more than the web limit of "
                                     f"{limits.max_administrations:,}"))
    return problems


def _web_caps(scenario: Scenario, limits: WebLimits, prefix: str) -> list[FieldProblem]:
    problems = []
    if scenario.duration_h > limits.max_duration_h:
        problems.append(FieldProblem(
            f"{prefix}.duration_h",
            f"{fmt_number(scenario.duration_h)} h is longer than the web limit of "
            f"{fmt_number(limits.max_duration_h)} h ({fmt_number(limits.max_duration_h / 168)} "
            "weeks); run longer studies with the command line (`neuroimmune run`)"))
        return problems
    points = len(output_times(scenario))
    if points > limits.max_output_points:
        field = "output_step_h" if scenario.output_step_h is not None else "duration_h"
        step = scenario.duration_h / (limits.max_output_points - 1)
        problems.append(FieldProblem(
            f"{prefix}.{field}",
            f"{points:,} output points, more than the web limit of "
            f"{limits.max_output_points:,}; use output_step_h >= {step:.3g}"))
    administrations = sum(
        repeat_count(item.at_h if item.at_h is not None else item.from_h or 0.0,
                     item.every_h, item.until_h)
        for item in scenario.interventions)
    if administrations > limits.max_administrations:
        problems.append(FieldProblem(f"{prefix}.intervention", f"{administrations:,} "
                                     "administrations in all, more than the web limit of "
                                     f"{limits.max_administrations:,}"))
    return problems


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the JSON a client sends (the TOML keys), leaving out unset keys."""
    data: dict[str, Any] = {"name": scenario.name}
    if scenario.description:
        data["description"] = scenario.description
    data["duration_h"] = scenario.duration_h
    data["clock_start_h"] = scenario.clock_start_h
    if scenario.output_step_h is not None:
        data["output_step_h"] = scenario.output_step_h
    if scenario.patient:
        data["patient"] = dict(scenario.patient)
    items = []
    for intervention in scenario.interventions:
        item = {key: value for key, value in asdict(intervention).items() if value is not None}
        items.append(item)
    if items:
        data["intervention"] = items
    return data
