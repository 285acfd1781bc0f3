"""The model as data: subsystems, parameters with provenance, motifs and agents."""

from neuroimmune.model import (
    adaptive,
    adrenergic,
    bbb,
    brain,
    ex_vivo,
    fever,
    gut,
    hpa,
    innate,
    pharmacology,
    symptoms,
)
from neuroimmune.model.core import (
    Derived,
    Parameter,
    State,
    Subsystem,
    load_parameters,
)

PATIENT = Subsystem(
    name="patient",
    title="Patient traits",
    states=(),
    parameters=load_parameters("patient"),
)

NUMERICS = Subsystem(
    name="numerics",
    title="Numerical settings of rate laws",
    states=(),
    parameters=load_parameters("numerics"),
)

SUBSYSTEMS: tuple[Subsystem, ...] = (
    innate.SUBSYSTEM,
    ex_vivo.SUBSYSTEM,
    adaptive.SUBSYSTEM,
    bbb.SUBSYSTEM,
    fever.SUBSYSTEM,
    brain.SUBSYSTEM,
    adrenergic.SUBSYSTEM,
    hpa.SUBSYSTEM,
    gut.SUBSYSTEM,
    pharmacology.SUBSYSTEM,
    symptoms.SUBSYSTEM,
    PATIENT,
    NUMERICS,
)

__all__ = ["SUBSYSTEMS", "Derived", "Parameter", "State", "Subsystem", "load_parameters"]
