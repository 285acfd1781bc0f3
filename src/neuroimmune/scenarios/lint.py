"""Check a parsed scenario table and report every problem at once.

A researcher editing a scenario file should see all its mistakes in one run, each
with its place and the fix, rather than fixing them one error message at a time.
The linter works on plain data (what ``tomllib`` returns) and never raises for bad
input; ``loader.py`` turns the problems into one ``ScenarioError``.

Repeats follow one rule, shared with whatever expands a scenario into events: an
intervention with ``every_h`` starts at ``first + k * every_h`` for k = 0, 1, ...
while the start is at most ``until_h`` (see ``repeat_count``). A repeated window
that starts before the end of the run but ends after it is cut at the end.
"""

from __future__ import annotations

import difflib
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from neuroimmune.model.agents import AGENTS, Agent
from neuroimmune.scenarios.model import Intervention

MAX_DURATION_H = 8760.0
"""One year. Longer runs leave the horizon the parameters were chosen for, and a
larger value is most often days or minutes typed as hours."""

MAX_OUTPUT_POINTS = 200_000
"""Cap on duration_h / output_step_h, so an output table stays a few tens of MB."""

MAX_REPEATS = 10_000
"""Cap on administrations (or exposure windows) of one intervention: more is a typo."""

REPEAT_TOLERANCE = 1e-9
"""A repeat landing within this fraction of ``every_h`` past ``until_h`` still counts
(absorbs float rounding, e.g. 0.1 + 0.2)."""

TOP_LEVEL_KEYS = (
    "name", "description", "duration_h", "clock_start_h", "output_step_h", "patient",
    "intervention",
)
INTERVENTION_KEYS = tuple(f.name for f in fields(Intervention))
_TIME_KEYS = ("at_h", "from_h", "to_h", "until_h")
_NUMBER_KEYS = ("amount", "at_h", "every_h", "until_h", "from_h", "to_h", "intensity")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (``duration_h``, ``intervention[2].unit``;
    empty for the whole file) and what to do about it."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


def repeat_count(first_h: float, every_h: float | None, until_h: float | None) -> int:
    """How many times an intervention starting at ``first_h`` occurs (1 if not repeated)."""
    if every_h is None or until_h is None:
        return 1
    if every_h <= 0 or until_h < first_h:
        return 1
    span = (until_h - first_h) / every_h + REPEAT_TOLERANCE
    if not math.isfinite(span) or span >= sys.maxsize:
        return sys.maxsize  # absurd schedules (every_h = 1e-300) are caught as too many
    return math.floor(span) + 1


def lint_scenario(
    data: Any,
    known_parameters: Mapping[str, tuple[float, float]],
    agents: Mapping[str, Agent] = AGENTS,
) -> list[Problem]:
    """All problems of a scenario given as a parsed TOML table; empty if it is valid."""
    if not isinstance(data, Mapping):
        return [Problem("", f"a scenario must be a table of keys, not {_show(data)}")]
    problems: list[Problem] = []
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            problems.append(_unknown_key(str(key), key, TOP_LEVEL_KEYS, "top-level key"))
    _lint_text(problems, data, "name", required=True)
    _lint_text(problems, data, "description", required=False)
    duration = _lint_duration(problems, data)
    _lint_clock(problems, data)
    _lint_output_step(problems, data, duration)
    _lint_patient(problems, data.get("patient"), known_parameters)
    _lint_interventions(problems, data.get("intervention"), duration, agents)
    return sorted(problems, key=_sort_key)


# --- top level -----------------------------------------------------------------------


def _lint_text(problems: list[Problem], data: Mapping[str, Any], key: str, *,
               required: bool) -> None:
    if key not in data:
        if required:
            problems.append(Problem(key, 'missing; give the scenario a name, e.g. '
                                         'name = "Endotoxin challenge, 2 ng/kg"'))
        return
    value = data[key]
    if not isinstance(value, str):
        problems.append(Problem(key, f"{_show(value)} is not a string; write it in double "
                                     f'quotes, e.g. {key} = "..."'))
    elif required and not value.strip():
        problems.append(Problem(key, "is empty; give the scenario a short name"))


def _lint_duration(problems: list[Problem], data: Mapping[str, Any]) -> float | None:
    if "duration_h" not in data:
        problems.append(Problem("duration_h", "missing; give the simulated time span in "
                                              "hours, e.g. duration_h = 24"))
        return None
    duration = _number(problems, "duration_h", data["duration_h"], "a time span in hours")
    if duration is None:
        return None
    if duration <= 0:
        problems.append(Problem("duration_h", f"must be > 0 (got {_fmt(duration)}); give the "
                                              "simulated time span in hours"))
        return None
    if duration > MAX_DURATION_H:
        problems.append(Problem(
            "duration_h",
            f"{_fmt(duration)} h is more than one year ({_fmt(MAX_DURATION_H)} h), the longest "
            "run supported: the parameters are not meant for longer horizons, and such a "
            "value is usually days typed as hours; shorten it or split the study into "
            "consecutive scenarios"))
        return None
    return duration


def _lint_clock(problems: list[Problem], data: Mapping[str, Any]) -> None:
    if "clock_start_h" not in data:
        return
    clock = _number(problems, "clock_start_h", data["clock_start_h"],
                    "the clock time at t = 0 in hours, e.g. 8 for 08:00")
    if clock is not None and not 0 <= clock < 24:
        problems.append(Problem("clock_start_h", f"must be in [0, 24) (got {_fmt(clock)}); it "
                                                 "is the clock time at t = 0 in hours after "
                                                 "midnight, e.g. 8 for 08:00, 23.5 for 23:30"))


def _lint_output_step(problems: list[Problem], data: Mapping[str, Any],
                      duration: float | None) -> None:
    if "output_step_h" not in data:
        return
    step = _number(problems, "output_step_h", data["output_step_h"],
                   "the output interval in hours, e.g. 0.1")
    if step is None:
        return
    if step <= 0:
        problems.append(Problem("output_step_h", f"must be > 0 (got {_fmt(step)}); give the "
                                                 "output interval in hours, or leave it out "
                                                 "for the default"))
    elif duration is not None and duration / step > MAX_OUTPUT_POINTS:
        problems.append(Problem(
            "output_step_h",
            f"{math.floor(duration / step):,} output points ({_fmt(duration)} h every "
            f"{_fmt(step)} h) exceed the limit of {MAX_OUTPUT_POINTS:,}; use "
            f"output_step_h >= {_fmt(duration / MAX_OUTPUT_POINTS)}"))
    elif duration is not None and step > duration:
        problems.append(Problem("output_step_h", f"{_fmt(step)} h is longer than the run "
                                                 f"(duration_h = {_fmt(duration)}); use a "
                                                 "smaller step"))


def _lint_patient(problems: list[Problem], patient: Any,
                  known: Mapping[str, tuple[float, float]]) -> None:
    if patient is None:
        return
    if not isinstance(patient, Mapping):
        problems.append(Problem("patient", f"{_show(patient)} is not a table; write [patient] "
                                           "followed by lines such as body_weight_kg = 70"))
        return
    for name, value in patient.items():
        where = f"patient.{name}"
        if name not in known:
            problems.append(_unknown_parameter(where, str(name), known))
            continue
        number = _number(problems, where, value, "a number")
        low, high = known[name]
        if number is not None and not low <= number <= high:
            problems.append(Problem(where, f"{_fmt(number)} is outside the plausible range "
                                           f"[{_fmt(low)}, {_fmt(high)}] of {name}; use a "
                                           "value in that range"))


def _unknown_parameter(where: str, name: str,
                       known: Mapping[str, tuple[float, float]]) -> Problem:
    if name in TOP_LEVEL_KEYS:
        return Problem(where, f"'{name}' is a top-level key, not a patient parameter; move it "
                              "above the [patient] table (in TOML, keys after a [table] "
                              "header belong to that table)")
    close = difflib.get_close_matches(name, list(known), n=3)
    hint = f"did you mean {_alternatives(close)}? " if close else ""
    if len(known) <= 12:
        listing = f"known parameters: {', '.join(sorted(known))}"
    else:
        listing = (f"{len(known)} parameters are known; list them with "
                   "neuroimmune.model.compose.parameter_ranges()")
    return Problem(where, f"'{name}' is not a patient parameter; {hint}{listing}")


# --- interventions -------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    """A clean intervention with a time window (exposure or infusion), for overlap checks."""

    index: int
    agent: str
    from_h: float
    to_h: float
    every_h: float | None
    until_h: float | None


def _lint_interventions(problems: list[Problem], items: Any, duration: float | None,
                        agents: Mapping[str, Agent]) -> None:
    if items is None:
        return
    if isinstance(items, Mapping) or not isinstance(items, list):
        problems.append(Problem("intervention", f"{_show(items)} is not an array of tables; "
                                                "write each intervention as a table headed "
                                                "[[intervention]] (double brackets)"))
        return
    windows: list[_Window] = []
    for index, item in enumerate(items):
        where = f"intervention[{index}]"
        if not isinstance(item, Mapping):
            problems.append(Problem(where, f"{_show(item)} is not a table; write each "
                                           "intervention as a table headed [[intervention]]"))
            continue
        before = len(problems)
        window = _lint_intervention(problems, where, index, item, duration, agents)
        if window is not None and len(problems) == before:
            windows.append(window)
    _lint_overlaps(problems, windows)


def _lint_intervention(problems: list[Problem], where: str, index: int,
                       item: Mapping[str, Any], duration: float | None,
                       agents: Mapping[str, Agent]) -> _Window | None:
    for key in item:
        if key not in INTERVENTION_KEYS:
            problems.append(_unknown_key(f"{where}.{key}", key, INTERVENTION_KEYS,
                                         "intervention key"))
    values = _lint_numbers(problems, where, item, duration)
    agent = _lint_agent(problems, where, item, agents)
    if agent is None:
        return None
    if agent.kind == "dose":
        _lint_dose(problems, where, item, values, agent)
    else:
        _lint_exposure(problems, where, item, values, agent)
    return _lint_schedule(problems, where, index, item, values, agent)


def _lint_numbers(problems: list[Problem], where: str, item: Mapping[str, Any],
                  duration: float | None) -> dict[str, float]:
    """Type and range checks every numeric key shares, whatever the agent."""
    values: dict[str, float] = {}
    for key in _NUMBER_KEYS:
        if key not in item:
            continue
        number = _number(problems, f"{where}.{key}", item[key], "a number")
        if number is None:
            continue
        values[key] = number
        if key in _TIME_KEYS and number < 0:
            problems.append(Problem(f"{where}.{key}", f"must be >= 0 (got {_fmt(number)}); "
                                                      "times count hours from the start of "
                                                      "the run"))
        elif key in _TIME_KEYS and duration is not None and number > duration:
            problems.append(Problem(f"{where}.{key}", f"{_fmt(number)} h is after the end of "
                                                      f"the run (duration_h = "
                                                      f"{_fmt(duration)}); move it earlier "
                                                      "or lengthen duration_h"))
    if "every_h" in values and values["every_h"] <= 0:
        problems.append(Problem(f"{where}.every_h", f"must be > 0 (got "
                                                    f"{_fmt(values['every_h'])}); it is the "
                                                    "interval between repeats in hours"))
    return values


def _lint_agent(problems: list[Problem], where: str, item: Mapping[str, Any],
                agents: Mapping[str, Agent]) -> Agent | None:
    known = ", ".join(agents)
    if "agent" not in item:
        problems.append(Problem(f"{where}.agent", f"missing; name the agent, one of {known}"))
        return None
    name = item["agent"]
    if isinstance(name, str) and name in agents:
        return agents[name]
    close = difflib.get_close_matches(name, list(agents), n=1) if isinstance(name, str) else []
    hint = f"did you mean '{close[0]}'? " if close else ""
    problems.append(Problem(f"{where}.agent", f"{_show(name)} is not a known agent; {hint}"
                                              f"use one of {known}"))
    return None


def _lint_dose(problems: list[Problem], where: str, item: Mapping[str, Any],
               values: Mapping[str, float], agent: Agent) -> None:
    units = ", ".join(agent.units)
    if "intensity" in item:
        problems.append(Problem(f"{where}.intensity", f"not allowed for a dose of {agent.name}; "
                                                      "intensity belongs to exposures "
                                                      "(stressor, vns, stress_reduction): "
                                                      "give amount and unit instead"))
    if "amount" not in item:
        problems.append(Problem(f"{where}.amount", f"missing; give the dose of {agent.name} "
                                                   f"as a number > 0 in one of {units}"))
    elif "amount" in values and values["amount"] <= 0:
        problems.append(Problem(f"{where}.amount", f"must be > 0 (got "
                                                   f"{_fmt(values['amount'])}); give the dose "
                                                   f"of {agent.name}"))
    unit = item.get("unit")
    if "unit" not in item:
        problems.append(Problem(f"{where}.unit", f"missing; use one of {units}"))
    elif not isinstance(unit, str) or unit not in agent.units:
        problems.append(Problem(f"{where}.unit", f"{_show(unit)} is not a unit of {agent.name}; "
                                                 f"use one of {units}"))
    route = item.get("route")
    if "route" in item and (not isinstance(route, str) or route not in agent.routes):
        problems.append(Problem(f"{where}.route", f"{_show(route)} is not a route of "
                                                  f"{agent.name}; use one of "
                                                  f"{', '.join(agent.routes)} (leaving route "
                                                  f"out means {agent.default_route})"))
    has_at, has_from, has_to = ("at_h" in item), ("from_h" in item), ("to_h" in item)
    if has_at and (has_from or has_to):
        problems.append(Problem(where, "give either at_h (a bolus) or from_h and to_h (an "
                                       "infusion over that window), not both"))
    elif not (has_at or has_from or has_to):
        problems.append(Problem(where, "no time given; add at_h for a bolus, or from_h and "
                                       "to_h for an infusion over that window"))
    elif has_from != has_to:
        missing = "to_h" if has_from else "from_h"
        problems.append(Problem(f"{where}.{missing}", "missing; an infusion needs both from_h "
                                                      "and to_h (or use at_h for a bolus)"))


def _lint_exposure(problems: list[Problem], where: str, item: Mapping[str, Any],
                   values: Mapping[str, float], agent: Agent) -> None:
    for key in ("amount", "unit", "route", "at_h"):
        if key in item:
            fix = ("give from_h and to_h instead" if key == "at_h"
                   else "give its strength as intensity (0-1)")
            problems.append(Problem(f"{where}.{key}", f"not allowed for {agent.name}, an "
                                                      f"exposure with a duration; {fix}"))
    for key, what in (("from_h", "start"), ("to_h", "end")):
        if key not in item:
            problems.append(Problem(f"{where}.{key}", f"missing; an exposure to {agent.name} "
                                                      f"needs the {what} of its window in "
                                                      "hours"))
    if "intensity" not in item:
        problems.append(Problem(f"{where}.intensity", "missing; give a number in (0, 1], "
                                                      "1 = full effect"))
    elif "intensity" in values and not 0 < values["intensity"] <= 1:
        problems.append(Problem(f"{where}.intensity", f"must be in (0, 1] (got "
                                                      f"{_fmt(values['intensity'])}); 1 is "
                                                      "the full effect"))


def _lint_schedule(problems: list[Problem], where: str, index: int, item: Mapping[str, Any],
                   values: Mapping[str, float], agent: Agent) -> _Window | None:
    """Window order and repeat rules; returns the window if there is one to compare."""
    start, end = values.get("from_h"), values.get("to_h")
    if start is not None and end is not None and start >= end:
        problems.append(Problem(f"{where}.to_h", f"must be after from_h ({_fmt(start)} h); got "
                                                 f"{_fmt(end)}"))
        start = end = None
    has_every, has_until = "every_h" in item, "until_h" in item
    if has_every and not has_until:
        problems.append(Problem(f"{where}.every_h", "repeats need until_h, the latest time a "
                                                    "repeat may start; add until_h"))
    elif has_until and not has_every:
        problems.append(Problem(f"{where}.until_h", "needs every_h, the interval between "
                                                    "repeats; add every_h or remove until_h"))
    every, until = values.get("every_h"), values.get("until_h")
    first = values.get("at_h", values.get("from_h"))
    if every is not None and until is not None and first is not None and every > 0:
        if until < first:
            problems.append(Problem(f"{where}.until_h", f"{_fmt(until)} h is before the first "
                                                        f"time ({_fmt(first)} h); until_h is "
                                                        "the latest start of a repeat"))
        elif start is not None and end is not None and every <= end - start:
            problems.append(Problem(f"{where}.every_h", f"{_fmt(every)} h is not longer than "
                                                        f"the window ({_fmt(end - start)} h), "
                                                        "so repeats would overlap; every_h "
                                                        f"must exceed {_fmt(end - start)}"))
        elif (count := repeat_count(first, every, until)) > MAX_REPEATS:
            problems.append(Problem(f"{where}.every_h", f"gives {count:,} administrations "
                                                        f"(every {_fmt(every)} h from "
                                                        f"{_fmt(first)} to {_fmt(until)} h), "
                                                        f"more than the limit of "
                                                        f"{MAX_REPEATS:,}; check the units "
                                                        "(hours) or lengthen every_h"))
    if start is None or end is None:
        return None
    return _Window(index, agent.name, start, end, every, until)


def _occurrences(window: _Window) -> list[tuple[float, float]]:
    count = repeat_count(window.from_h, window.every_h, window.until_h)
    step = window.every_h or 0.0
    length = window.to_h - window.from_h
    return [(window.from_h + k * step, window.from_h + k * step + length) for k in range(count)]


def _lint_overlaps(problems: list[Problem], windows: Sequence[_Window]) -> None:
    """Windows of one agent may not overlap: an agent has one intensity or rate at a time."""
    by_agent: dict[str, list[_Window]] = {}
    for window in windows:
        by_agent.setdefault(window.agent, []).append(window)
    for agent, group in by_agent.items():
        if len(group) < 2:
            continue
        spans = sorted((s, e, w.index) for w in group for s, e in _occurrences(w))
        active: list[tuple[float, float, int]] = []
        reported: set[tuple[int, int]] = set()
        for start, end, index in spans:
            active = [span for span in active if span[1] > start]
            for other_start, other_end, other in active:
                pair = (min(index, other), max(index, other))
                if other == index or pair in reported:
                    continue
                reported.add(pair)
                problems.append(Problem(
                    f"intervention[{pair[1]}]",
                    f"its {agent} window overlaps intervention[{pair[0]}] "
                    f"({_fmt(other_start)}-{_fmt(other_end)} h against {_fmt(start)}-"
                    f"{_fmt(end)} h); one agent has one intensity or infusion rate at a "
                    "time, so shift one window or merge them into one intervention"))
            active.append((start, end, index))


# --- helpers -------------------------------------------------------------------------


def _sort_key(problem: Problem) -> tuple[int, int]:
    """Top-level problems first, then each intervention's, in file order (sort is stable)."""
    if problem.location.startswith("intervention["):
        index = problem.location[len("intervention["):].split("]", 1)[0]
        return (1, int(index) if index.isdigit() else -1)
    return (0, 0)


def _number(problems: list[Problem], where: str, value: Any, what: str) -> float | None:
    """The value as a float, or None after reporting why it is not a usable number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(Problem(where, f"{_show(value)} is not a number; write {what} "
                                       "without quotes"))
        return None
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        problems.append(Problem(where, f"{_show(value)} is not a finite number; write {what}"))
        return None
    return number


def _unknown_key(where: str, key: Any, allowed: Sequence[str], kind: str) -> Problem:
    close = difflib.get_close_matches(str(key), allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    if kind == "intervention key" and key in TOP_LEVEL_KEYS:
        hint = ("top-level keys must come before the first [[intervention]] (in TOML, keys "
                "after a table header belong to that table); ")
    return Problem(where, f"unknown {kind} '{key}'; {hint}allowed: {', '.join(allowed)}")


def _alternatives(names: Sequence[str]) -> str:
    return " or ".join(f"'{name}'" for name in names)


def _show(value: Any) -> str:
    """A value as the user wrote it in TOML, for messages."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, float):
        return _fmt(value)
    return str(value)


def fmt_number(value: float) -> str:
    """A number as short as it reads exactly: 24 not 24.0, 0.25, 1e+10 (valid TOML too)."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e6:
        return str(int(value))
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


_fmt = fmt_number  # short name for the many messages above
