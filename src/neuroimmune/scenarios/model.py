"""A scenario as validated data: what happens to the virtual patient, and when."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Intervention:
    """One agent given to the patient.

    A dose has ``amount``, ``unit`` and either ``at_h`` (a bolus, repeated with
    ``every_h`` up to ``until_h``) or ``from_h``/``to_h`` (an infusion at a constant
    rate over the window). An exposure (stressor, vns, stress_reduction) has
    ``from_h``, ``to_h`` and ``intensity`` (0-1), optionally repeated with ``every_h``
    up to ``until_h``.
    """

    agent: str
    amount: float | None = None
    unit: str | None = None
    route: str | None = None
    at_h: float | None = None
    every_h: float | None = None
    until_h: float | None = None
    from_h: float | None = None
    to_h: float | None = None
    intensity: float | None = None


@dataclass(frozen=True)
class Scenario:
    """A complete, validated scenario; build it with ``neuroimmune.scenarios.load``."""

    name: str
    duration_h: float
    clock_start_h: float = 8.0
    description: str = ""
    output_step_h: float | None = None
    patient: dict[str, float] = field(default_factory=dict)
    interventions: tuple[Intervention, ...] = ()
