"""Unit strings of the parameter tables, translated into SBML unit definitions.

A unit string is a product and quotient of known tokens: ``"pg/mL/h"`` is pg * mL^-1 *
h^-1. Keeping the grammar this small lets every parameter file stay human-readable
while the SBML export carries exact units for COPASI's unit checks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class BaseUnit:
    """An SBML base unit with a multiplier: 1 token = multiplier * kind."""

    kind: str
    multiplier: float


TOKENS: dict[str, BaseUnit] = {
    "h": BaseUnit("second", 3600.0),
    "min": BaseUnit("second", 60.0),
    "d": BaseUnit("second", 86400.0),
    "pg": BaseUnit("gram", 1e-12),
    "ng": BaseUnit("gram", 1e-9),
    "ug": BaseUnit("gram", 1e-6),
    "mg": BaseUnit("gram", 1e-3),
    "g": BaseUnit("gram", 1.0),
    "kg": BaseUnit("gram", 1e3),
    "mL": BaseUnit("litre", 1e-3),
    "L": BaseUnit("litre", 1.0),
    "nmol": BaseUnit("mole", 1e-9),
    "umol": BaseUnit("mole", 1e-6),
    "mol": BaseUnit("mole", 1.0),
    "CFU": BaseUnit("item", 1.0),
    "PFU": BaseUnit("item", 1.0),
    "beats": BaseUnit("item", 1.0),
    "degC": BaseUnit("kelvin", 1.0),
}
"""SBML Level 3 units have no offset, so ``degC`` exports as a kelvin-sized unit: exact
for temperature differences and rates, and the value itself stays in degrees Celsius."""

DIMENSIONLESS = ("dimensionless", "1")


class UnitError(ValueError):
    """A unit string uses a token outside ``TOKENS``."""


def parse_unit(unit: str) -> list[tuple[BaseUnit, int]]:
    """Split ``"a*b/c/d"`` into (base unit, exponent) factors; dimensionless gives []."""
    if unit in DIMENSIONLESS:
        return []
    factors: list[tuple[BaseUnit, int]] = []
    for position, part in enumerate(unit.split("/")):
        sign = 1 if position == 0 else -1
        for token in filter(None, re.split(r"\*", part.strip("()"))):
            if token == "1" and position == 0:
                continue
            if token not in TOKENS:
                raise UnitError(f"unit {unit!r}: unknown token {token!r}; known: {sorted(TOKENS)}")
            factors.append((TOKENS[token], sign))
    return factors


def sbml_unit_id(unit: str) -> str:
    """A valid SBML identifier that names ``unit``."""
    if unit in DIMENSIONLESS:
        return "dimensionless"
    name = unit.replace("/", "_per_").replace("*", "_")
    return "u_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def combined_factors(unit: str) -> dict[str, tuple[float, int]]:
    """Merge factors by SBML kind: kind -> (multiplier per unit of that kind, exponent)."""
    merged: dict[str, list[float]] = {}
    for base, exponent in parse_unit(unit):
        log_scale, total = merged.get(base.kind, [0.0, 0])
        merged[base.kind] = [log_scale + exponent * math.log10(base.multiplier), total + exponent]
    result = {}
    for kind, (log_scale, exponent) in merged.items():
        if exponent == 0:
            # e.g. ug/mg: a pure number. Keep it as dimensionless with a multiplier.
            result.setdefault("dimensionless", (10.0**log_scale, 1))
            continue
        result[kind] = (10.0 ** (log_scale / exponent), exponent)
    return result
