"""The engine interface: what to integrate (model, parameters, events), not how.

An engine receives the parameter values, a list of timed events and the output times,
and returns the requested symbols at those times. Events are applied exactly at
their times: the engine integrates piecewise between them and restarts the solver
after each, so doses never smear over an output grid.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

EventKind = Literal["add_state", "add_parameter"]


@dataclass(frozen=True, order=True)
class Event:
    """At ``time_h``, add ``value`` to a state (a bolus) or a parameter (a rate or intensity)."""

    time_h: float
    kind: EventKind
    target: str
    value: float


class SimulationError(RuntimeError):
    """The solver failed; the message says what was being simulated and what to try."""


class Engine(ABC):
    """Integrates the composed model for one set of parameters and events."""

    @abstractmethod
    def simulate(
        self,
        parameters: Mapping[str, float],
        events: Sequence[Event],
        output_times: np.ndarray,
        symbols: Sequence[str],
    ) -> dict[str, np.ndarray]:
        """Values of ``symbols`` at ``output_times`` (hours since the scenario start)."""

    @abstractmethod
    def initial_state(self, parameters: Mapping[str, float]) -> dict[str, float]:
        """The patient's resting state at t = 0 for these parameters (after burn-in)."""
