"""Turn a scenario's interventions into marks a time-course plot can draw.

A plot needs to show *when* something was given, not how the engine doses it, so this
module reads only the schedule fields of ``Intervention`` and expands repeats into
explicit times. Keeping it apart from the figure code lets it be tested without
matplotlib and reused by other views (dashboard, reports).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from neuroimmune.scenarios.model import Intervention, Scenario

MAX_MARKS_PER_AGENT = 200
"""More marks than this per agent add ink, not information (a daily dose over half a
year is already a solid band), and unbounded schedules must not hang the plot."""

_TIME_TOLERANCE_H = 1e-9
"""Repeats land on ``until_h`` by floating-point addition; this keeps the last one."""


class InterventionMark(NamedTuple):
    """One drawn mark: a bolus at ``start_h`` (``end_h`` is None) or a span to ``end_h``."""

    agent: str
    start_h: float
    end_h: float | None


def _repeat_starts(first_h: float, every_h: float | None, until_h: float | None,
                   horizon_h: float, limit: int) -> list[float]:
    """Start times ``first_h + k * every_h`` up to ``min(until_h, horizon_h)``, inclusive.

    Without ``every_h`` there is one start. With ``every_h`` but no ``until_h`` the
    schedule runs to the end of the simulation, the reading a user expects of
    "every 24 h".
    """
    if first_h > horizon_h + _TIME_TOLERANCE_H:
        return []
    if every_h is None or not math.isfinite(every_h) or every_h <= 0:
        return [first_h]
    last_h = horizon_h if until_h is None else min(until_h, horizon_h)
    starts: list[float] = []
    k = 0
    while len(starts) < limit:
        t = first_h + k * every_h
        if t > last_h + _TIME_TOLERANCE_H:
            break
        starts.append(t)
        k += 1
    return starts


def _marks_for(intervention: Intervention, duration_h: float, limit: int) -> list[InterventionMark]:
    if intervention.at_h is not None:
        starts = _repeat_starts(intervention.at_h, intervention.every_h, intervention.until_h,
                                duration_h, limit)
        return [InterventionMark(intervention.agent, t, None) for t in starts]
    if intervention.from_h is None:
        return []
    to_h = intervention.from_h if intervention.to_h is None else intervention.to_h
    length_h = max(to_h - intervention.from_h, 0.0)
    starts = _repeat_starts(intervention.from_h, intervention.every_h, intervention.until_h,
                            duration_h, limit)
    return [InterventionMark(intervention.agent, t, min(t + length_h, duration_h))
            for t in starts]


def intervention_marks(scenario: Scenario,
                       max_per_agent: int = MAX_MARKS_PER_AGENT) -> list[InterventionMark]:
    """Every dose time and exposure window of ``scenario`` within its duration, sorted.

    Boluses (``at_h``) become marks with ``end_h = None``; infusions and exposures
    (``from_h``/``to_h``) become spans clipped to the duration. Repeats (``every_h``,
    up to ``until_h`` inclusive, else to the end) are expanded, keeping at most
    ``max_per_agent`` marks per agent: the earliest ones, since the start of a
    schedule is what a reader looks for.
    """
    marks: list[InterventionMark] = []
    count: dict[str, int] = {}
    for intervention in scenario.interventions:
        remaining = max_per_agent - count.get(intervention.agent, 0)
        if remaining <= 0:
            continue
        new = _marks_for(intervention, scenario.duration_h, remaining)
        count[intervention.agent] = count.get(intervention.agent, 0) + len(new)
        marks.extend(new)
    return sorted(marks, key=lambda m: (m.start_h, m.agent))
