"""Shared fixtures for the web tests: one app per session, fake engines for the limits."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from fastapi.testclient import TestClient

from neuroimmune.engines.base import Engine, Event, SimulationError
from neuroimmune.web import WebLimits, create_app

LPS_SCENARIO = {
    "name": "Endotoxin challenge, 2 ng/kg",
    "duration_h": 24,
    "clock_start_h": 8,
    "intervention": [{"agent": "lps", "amount": 2.0, "unit": "ng/kg", "at_h": 0}],
}


@pytest.fixture(scope="session")
def client():
    """A TestClient on a real app (one compiled engine), lifespan included."""
    with TestClient(create_app(WebLimits(workers=1))) as test_client:
        yield test_client


class FakeEngine(Engine):
    """Returns zeros after ``delay_s``, or raises: for limits, not for physiology."""

    def __init__(self, delay_s: float = 0.0, fail: bool = False) -> None:
        self.delay_s = delay_s
        self.fail = fail

    def simulate(self, parameters: Mapping[str, float], events: Sequence[Event],
                 output_times: np.ndarray, symbols: Sequence[str]) -> dict[str, np.ndarray]:
        time.sleep(self.delay_s)
        if self.fail:
            raise SimulationError("the solver failed during the scenario (t = 0 to 24 h)")
        return {name: np.zeros(len(output_times)) for name in symbols}

    def initial_state(self, parameters: Mapping[str, float]) -> dict[str, float]:
        return {}
