"""Building blocks of the model as inert data: parameters, states, rules, subsystems.

Nothing here knows about solvers. A subsystem lists its states with their rate
expressions and its derived quantities; its parameters live in a TOML file beside
this module, each with value, unit, plausible range and source.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources


@dataclass(frozen=True)
class Parameter:
    """A named constant with the provenance a reviewer asks for."""

    name: str
    value: float
    unit: str
    low: float
    high: float
    source: str
    description: str
    subsystem: str = ""
    evidence: tuple[str, ...] = ()
    """Ids of the calibration findings (``evidence/findings``) this value was set to reproduce."""


@dataclass(frozen=True)
class State:
    """A quantity that changes by an ODE. ``rate`` is an SBML infix expression."""

    name: str
    unit: str
    initial: float
    rate: str
    description: str


@dataclass(frozen=True)
class Derived:
    """A quantity computed from states at each instant (an SBML assignment rule)."""

    name: str
    unit: str
    expression: str
    description: str


@dataclass(frozen=True)
class Subsystem:
    """One physiological subsystem: its states, derived quantities and parameters."""

    name: str
    title: str
    states: tuple[State, ...]
    derived: tuple[Derived, ...] = ()
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)


class ParameterFileError(ValueError):
    """A parameter file entry lacks a field or has an out-of-range value."""


_REQUIRED = ("value", "unit", "range", "source", "description")


def load_parameters(subsystem: str) -> tuple[Parameter, ...]:
    """Read ``parameters/<subsystem>.toml``; every entry must carry all provenance fields."""
    text = resources.files("neuroimmune.model").joinpath(f"parameters/{subsystem}.toml")
    table = tomllib.loads(text.read_text(encoding="utf-8"))
    parameters = []
    for name, entry in table.items():
        missing = [key for key in _REQUIRED if key not in entry]
        if missing:
            raise ParameterFileError(f"{subsystem}.toml [{name}] lacks {', '.join(missing)}")
        low, high = (float(bound) for bound in entry["range"])
        value = float(entry["value"])
        if not low <= value <= high:
            raise ParameterFileError(
                f"{subsystem}.toml [{name}] value {value} lies outside its range [{low}, {high}]"
            )
        parameters.append(
            Parameter(name, value, entry["unit"], low, high, entry["source"],
                      entry["description"], subsystem, tuple(entry.get("evidence", ())))
        )
    return tuple(parameters)
