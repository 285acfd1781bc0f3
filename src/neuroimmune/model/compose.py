"""The one composition step: subsystems -> one checked model -> SBML.

Composition merges every subsystem's states, derived quantities and parameters,
adds an infusion-rate input to each state that a dose can enter, and refuses a model
in which a name is defined twice or an expression uses a name defined nowhere. The
SBML it writes is the model: the default engine simulates exactly this document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import libsbml

from neuroimmune.model import SUBSYSTEMS
from neuroimmune.model.agents import dose_targets, infusion_parameter
from neuroimmune.model.core import Derived, Parameter, State, Subsystem
from neuroimmune.model.motifs import MOTIFS
from neuroimmune.model.units import DIMENSIONLESS, combined_factors, sbml_unit_id

SBML_LEVEL, SBML_VERSION = 3, 1
BUILTIN_NAMES = frozenset({"time", "pi", "exp", "cos", "sin", "log", "piecewise"})


class CompositionError(ValueError):
    """The subsystems do not fit together (duplicate or undefined names)."""


@dataclass(frozen=True)
class ComposedModel:
    """All states, derived quantities and parameters of the whole system, checked."""

    states: tuple[State, ...]
    derived: tuple[Derived, ...]
    parameters: dict[str, Parameter]
    inputs: tuple[str, ...]

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(state.name for state in self.states)

    def default_values(self) -> dict[str, float]:
        return {name: parameter.value for name, parameter in self.parameters.items()}


def _infusion_inputs(states: Iterable[State]) -> tuple[tuple[State, ...], list[Parameter]]:
    """Add ``+ <state>_infusion_rate`` to every state a dose can enter."""
    targets = dose_targets()
    updated, inputs = [], []
    for state in states:
        if state.name in targets:
            name = infusion_parameter(state.name)
            rate_unit = f"{state.unit}/h" if state.unit not in DIMENSIONLESS else "1/h"
            inputs.append(Parameter(name, 0.0, rate_unit, 0.0, 1e12,
                                    "scenario input (infusion)",
                                    f"infusion rate into {state.name}", "input"))
            state = State(state.name, state.unit, state.initial,
                          f"{state.rate} + {name}", state.description)
        updated.append(state)
    return tuple(updated), inputs


def _names_in(expression: str) -> set[str]:
    ast = libsbml.parseL3Formula(expression)
    if ast is None:
        raise CompositionError(f"cannot parse {expression!r}: {libsbml.getLastParseL3Error()}")
    names: set[str] = set()
    stack = [ast]
    while stack:
        node = stack.pop()
        if node.getType() in (libsbml.AST_NAME, libsbml.AST_FUNCTION):
            names.add(node.getName())
        stack.extend(node.getChild(i) for i in range(node.getNumChildren()))
    return names


def _check(subsystems: tuple[Subsystem, ...], states, derived, parameters) -> None:
    owners: dict[str, str] = {}
    for subsystem in subsystems:
        symbols = [s.name for s in subsystem.states] + [d.name for d in subsystem.derived]
        symbols += [p.name for p in subsystem.parameters]
        for name in symbols:
            if name in owners:
                raise CompositionError(
                    f"{name!r} is defined by both {owners[name]} and {subsystem.name}"
                )
            owners[name] = subsystem.name
    known = set(owners) | set(parameters) | {m.name for m in MOTIFS} | BUILTIN_NAMES
    for item, expression in [(s.name, s.rate) for s in states] + [
        (d.name, d.expression) for d in derived
    ]:
        undefined = _names_in(expression) - known
        if undefined:
            raise CompositionError(f"{item}: undefined names {sorted(undefined)}")


def _apply_calibrations(parameters: dict[str, Parameter]) -> None:
    """Replace values with installed calibrations (``parameters/calibrated/*.toml``).

    Each installed file is the output of ``neuroimmune calibrate --install``; its values
    become the defaults and its provenance becomes their source.
    """
    import tomllib
    from dataclasses import replace
    from importlib import resources

    folder = resources.files("neuroimmune.model").joinpath("parameters/calibrated")
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        calibration = tomllib.loads(entry.read_text(encoding="utf-8"))
        origin = calibration["provenance"]
        source = (f"calibrated to {origin['dataset']} by `neuroimmune calibrate "
                  f"{origin['problem']}` ({origin['date']}, NLL {origin['nll']:.2f}, "
                  f"{origin['converged_starts']}/{origin['n_starts']} starts at the optimum)")
        for name, value in calibration["values"].items():
            if name not in parameters:
                raise CompositionError(f"{entry.name}: unknown parameter {name!r}")
            parameters[name] = replace(parameters[name], value=float(value), source=source)


@cache
def compose() -> ComposedModel:
    """Join all subsystems into one model (cached: the model is immutable data)."""
    states, inputs = _infusion_inputs(s for sub in SUBSYSTEMS for s in sub.states)
    derived = tuple(d for sub in SUBSYSTEMS for d in sub.derived)
    parameters = {p.name: p for sub in SUBSYSTEMS for p in sub.parameters}
    parameters.update({p.name: p for p in inputs})
    _apply_calibrations(parameters)
    _check(SUBSYSTEMS, states, derived, parameters)
    return ComposedModel(states, derived, parameters, tuple(p.name for p in inputs))


def parameter_ranges() -> dict[str, tuple[float, float]]:
    """Plausible range of every patient-settable parameter (scenario inputs excluded)."""
    return {
        name: (p.low, p.high)
        for name, p in compose().parameters.items()
        if not p.source.startswith("scenario input")
    }


def _add_unit_definition(model: libsbml.Model, unit: str) -> str:
    unit_id = sbml_unit_id(unit)
    if unit_id == "dimensionless" or model.getUnitDefinition(unit_id) is not None:
        return unit_id
    definition = model.createUnitDefinition()
    definition.setId(unit_id)
    definition.setName(unit)
    for kind, (multiplier, exponent) in combined_factors(unit).items():
        sbml_unit = definition.createUnit()
        sbml_unit.setKind(libsbml.UnitKind_forName(kind))
        sbml_unit.setExponent(exponent)
        sbml_unit.setScale(0)
        sbml_unit.setMultiplier(multiplier)
    return unit_id


def _notes(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{escaped}</p></body>'


def _add_quantity(model, name, value, unit, constant, notes) -> None:
    parameter = model.createParameter()
    parameter.setId(name)
    parameter.setValue(value)
    parameter.setConstant(constant)
    parameter.setUnits(_add_unit_definition(model, unit))
    parameter.setNotes(_notes(notes))


def _math(expression: str) -> libsbml.ASTNode:
    ast = libsbml.parseL3Formula(expression)
    if ast is None:
        raise CompositionError(f"cannot parse {expression!r}: {libsbml.getLastParseL3Error()}")
    return ast


def to_sbml(
    model: ComposedModel,
    initial_state: Mapping[str, float] | None = None,
    parameter_values: Mapping[str, float] | None = None,
) -> str:
    """The composed model as an SBML Level 3 document.

    States are non-constant parameters with rate rules, derived quantities are
    assignment rules, and every parameter carries its unit and, in its notes, its
    range and source. ``initial_state`` sets state values (e.g. a burned-in steady
    state); ``parameter_values`` overrides parameters.
    """
    initial_state = initial_state or {}
    parameter_values = parameter_values or {}
    document = libsbml.SBMLDocument(SBML_LEVEL, SBML_VERSION)
    sbml = document.createModel()
    sbml.setId("neuroimmune")
    sbml.setName("neuroimmune: gut-immune-brain axis")
    sbml.setTimeUnits(_add_unit_definition(sbml, "h"))
    for motif in MOTIFS:
        function = sbml.createFunctionDefinition()
        function.setId(motif.name)
        function.setMath(_math(f"lambda({', '.join(motif.arguments)}, {motif.body})"))
        function.setNotes(_notes(motif.description))
    for parameter in model.parameters.values():
        _add_quantity(
            sbml, parameter.name, parameter_values.get(parameter.name, parameter.value),
            parameter.unit, True,
            f"{parameter.description}. Range {parameter.low:g}-{parameter.high:g} "
            f"{parameter.unit}. Source: {parameter.source}.",
        )
    for state in model.states:
        _add_quantity(sbml, state.name, initial_state.get(state.name, state.initial),
                      state.unit, False, state.description)
        rule = sbml.createRateRule()
        rule.setVariable(state.name)
        rule.setMath(_math(state.rate))
    for item in model.derived:
        _add_quantity(sbml, item.name, 0.0, item.unit, False, item.description)
        rule = sbml.createAssignmentRule()
        rule.setVariable(item.name)
        rule.setMath(_math(item.expression))
    return libsbml.writeSBMLToString(document)
