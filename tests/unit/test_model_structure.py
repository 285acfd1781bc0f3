"""The model as data: provenance of every parameter, no magic numbers, honest wiring."""

from __future__ import annotations

import libsbml
import pytest

import neuroimmune
from neuroimmune.model.compose import compose
from neuroimmune.model.units import parse_unit

STRUCTURAL_NUMBERS = {1.0, 2.0}  # "1 - x", "2 * pi": structure, not parameters


def _walk(expression: str):
    root = libsbml.parseL3Formula(expression)  # keep alive: children borrow its memory
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.getChild(i) for i in range(node.getNumChildren()))


def _names(expression: str) -> set[str]:
    return {n.getName() for n in _walk(expression) if n.getType() == libsbml.AST_NAME}


@pytest.mark.parametrize("parameter", compose().parameters.values(), ids=lambda p: p.name)
def test_every_parameter_has_unit_range_and_source(parameter):
    parse_unit(parameter.unit)
    assert parameter.low <= parameter.value <= parameter.high
    assert len(parameter.description) > 3
    if parameter.source.startswith("assumed"):  # DESIGN.md: "assumed: <reason>"
        assert parameter.source.startswith("assumed: ") and len(parameter.source) > 20
    else:
        assert len(parameter.source) > 8


def test_rate_laws_contain_no_bare_numbers():
    model = compose()
    expressions = [s.rate for s in model.states] + [d.expression for d in model.derived]
    for expression in expressions:
        numbers = {n.getValue() for n in _walk(expression) if n.isNumber()}
        assert numbers <= STRUCTURAL_NUMBERS, (expression, numbers)


def test_every_parameter_is_used():
    model = compose()
    used = set().union(*(_names(s.rate) for s in model.states),
                       *(_names(d.expression) for d in model.derived))
    from neuroimmune.model.agents import AGENTS

    for agent in AGENTS.values():
        for text in [*agent.units.values(), *(r.factor for r in agent.routes.values())]:
            used |= {name for name in text.replace("(", " ").replace(")", " ").split()
                     if name.isidentifier()}
        if agent.intensity_parameter:
            used.add(agent.intensity_parameter)
    assert set(model.parameters) - used == set()


def test_gut_serotonin_never_enters_brain_serotonin():
    """Gut-made serotonin does not cross the blood-brain barrier (DESIGN.md)."""
    model = compose()
    definitions = {s.name: s.rate for s in model.states}
    definitions |= {d.name: d.expression for d in model.derived}
    reached, frontier = set(), ["serotonin"]
    while frontier:
        name = frontier.pop()
        for dependency in _names(definitions.get(name, "0")):
            if dependency not in reached and dependency in definitions and dependency not in {
                s.name for s in model.states
            }:
                frontier.append(dependency)
            reached.add(dependency)
    assert "gut_5HT" not in reached


def test_public_api():
    assert set(neuroimmune.__all__) >= {"simulate", "SimulationResult", "builtin_scenarios",
                                        "load_scenario", "OBSERVABLE_NAMES"}
    for name in neuroimmune.__all__:
        assert hasattr(neuroimmune, name)
