"""Simulation engines behind one small interface."""

from neuroimmune.engines.base import Engine, Event, SimulationError
from neuroimmune.engines.roadrunner_engine import RoadRunnerEngine

__all__ = ["Engine", "Event", "RoadRunnerEngine", "SimulationError"]
