"""Shared helpers: simulate built-in or inline scenarios once per test session."""

from __future__ import annotations

import os
from functools import cache

# What the batched engine sets before Equinox is first imported (failures become NaN,
# and its solves can be kept on disk, ``jax_engine._use_compilation_cache``); test
# modules import diffrax, and with it Equinox, before any engine exists.
os.environ.setdefault("EQX_ON_ERROR", "nan")

import numpy as np
import pytest

import neuroimmune as ni
from neuroimmune.scenarios import scenario_from_dict


@cache
def _builtin(name: str) -> ni.SimulationResult:
    return ni.simulate(name)


@pytest.fixture(scope="session")
def builtin():
    """``builtin("lps_2ngkg")`` -> cached SimulationResult."""
    return _builtin


@pytest.fixture(scope="session")
def inline():
    """``inline(duration_h, interventions, clock_start_h=8, **patient)`` -> SimulationResult."""

    def run(duration_h: float, interventions: list[dict], clock_start_h: float = 8.0,
            output_step_h: float | None = None, **patient: float) -> ni.SimulationResult:
        data = {"name": "test", "duration_h": duration_h, "clock_start_h": clock_start_h,
                "intervention": interventions}
        if patient:
            data["patient"] = patient
        if output_step_h:
            data["output_step_h"] = output_step_h
        return ni.simulate(scenario_from_dict(data))

    return run


def at(result: ni.SimulationResult, name: str, time_h: float) -> float:
    """Value of an observable at a time (linear interpolation between outputs)."""
    return float(np.interp(time_h, result.time_h, result[name]))


def peak_time(result: ni.SimulationResult, name: str) -> float:
    return float(result.time_h[np.argmax(result[name])])


def internal(result: ni.SimulationResult, symbols: list[str]) -> dict[str, np.ndarray]:
    """Model symbols that are not observables (drug concentrations, occupancies)."""
    from neuroimmune.simulation import read_symbols

    return read_symbols(result, symbols)
