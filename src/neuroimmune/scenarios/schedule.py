"""Turn a validated scenario into the engine's timed events.

A bolus adds the converted amount to its target state; an infusion adds a constant
rate to the target's infusion input over its window and removes it at the end; an
exposure raises an intensity parameter over its window. Repeats follow the linter's
rule (``repeat_count``), so the plot, the linter and the model agree on every dose.
"""

from __future__ import annotations

import ast
import functools
import operator
import threading
from collections.abc import Mapping

from neuroimmune.engines.base import Event
from neuroimmune.model.agents import AGENTS, infusion_parameter
from neuroimmune.scenarios.lint import repeat_count
from neuroimmune.scenarios.model import Intervention, Scenario

_OPERATORS = {ast.Mult: operator.mul, ast.Div: operator.truediv}


def conversion_factor(expression: str, parameters: Mapping[str, float]) -> float:
    """Evaluate a factor such as ``"1 / (ser_V_L_per_kg * body_weight_kg)"``.

    Only names, numbers, ``*`` and ``/`` are allowed: the factors are data, and data
    never runs code.
    """

    def evaluate(node: ast.AST) -> float:
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](evaluate(node.left), evaluate(node.right))
        if isinstance(node, ast.Name):
            return float(parameters[node.id])
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        raise ValueError(f"conversion factor {expression!r} may use only names, numbers, * and /")

    return evaluate(_parsed(expression))


_PARSING = threading.Lock()


@functools.lru_cache(maxsize=256)
def _parsed(expression: str) -> ast.expr:
    """The expression's syntax tree, parsed once: a population builds every patient's
    doses with it. Python 3.11's parser is not safe to run in two threads at once
    (it failed with "AST constructor recursion depth mismatch" in a two-thread worker)."""
    with _PARSING:
        return ast.parse(expression, mode="eval").body


def _starts(first_h: float, item: Intervention) -> list[float]:
    count = repeat_count(first_h, item.every_h, item.until_h)
    return [first_h + k * (item.every_h or 0.0) for k in range(count)]


def _dose_events(item: Intervention, parameters: Mapping[str, float]) -> list[Event]:
    agent = AGENTS[item.agent]
    route = agent.routes[item.route or agent.default_route]
    amount = (
        item.amount
        * conversion_factor(agent.units[item.unit], parameters)
        * conversion_factor(route.factor, parameters)
    )
    if item.at_h is not None:
        return [Event(t, "add_state", route.target, amount) for t in _starts(item.at_h, item)]
    window = item.to_h - item.from_h
    rate = amount / window
    target = infusion_parameter(route.target)
    events = []
    for start in _starts(item.from_h, item):
        events += [Event(start, "add_parameter", target, rate),
                   Event(start + window, "add_parameter", target, -rate)]
    return events


def _exposure_events(item: Intervention) -> list[Event]:
    parameter = AGENTS[item.agent].intensity_parameter
    window = item.to_h - item.from_h
    events = []
    for start in _starts(item.from_h, item):
        events += [Event(start, "add_parameter", parameter, item.intensity),
                   Event(start + window, "add_parameter", parameter, -item.intensity)]
    return events


def scenario_events(scenario: Scenario, parameters: Mapping[str, float]) -> list[Event]:
    """Every event of the scenario, sorted by time; windows past the end are cut by the engine."""
    events: list[Event] = []
    for item in scenario.interventions:
        if AGENTS[item.agent].kind == "dose":
            events += _dose_events(item, parameters)
        else:
            events += _exposure_events(item)
    return sorted(events)
