"""neuroimmune: a mechanistic, literature-grounded model of the gut-immune-brain axis."""

from neuroimmune.observables import OBSERVABLE_NAMES, OBSERVABLES
from neuroimmune.result import SimulationResult
from neuroimmune.scenarios import (
    Scenario,
    ScenarioError,
    builtin_scenarios,
    load_scenario,
)
from neuroimmune.simulation import UnknownParameterError, simulate

__version__ = "0.1.0"

__all__ = [
    "OBSERVABLES",
    "OBSERVABLE_NAMES",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "UnknownParameterError",
    "__version__",
    "builtin_scenarios",
    "load_scenario",
    "simulate",
]
