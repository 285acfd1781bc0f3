"""The SBML a user exports: the composed model starting from a patient's resting state."""

from __future__ import annotations

from collections.abc import Mapping

from neuroimmune.engines.base import Engine
from neuroimmune.model.compose import compose, to_sbml
from neuroimmune.simulation import check_overrides, default_engine


def resting_sbml(
    overrides: Mapping[str, float] | None = None,
    clock_start_h: float = 8.0,
    engine: Engine | None = None,
) -> str:
    """SBML whose initial values are the resting state at ``clock_start_h``.

    Simulating it from t = 0 without interventions in any SBML tool reproduces
    ``neuroimmune.simulate`` of a scenario without interventions.
    """
    overrides = dict(overrides or {})
    check_overrides(overrides)
    parameters = {**overrides, "clock_start_h": clock_start_h}
    state = (engine or default_engine()).initial_state(parameters)
    return to_sbml(compose(), initial_state=state, parameter_values=parameters)
