"""The model as array code: the same rates as libRoadRunner computes from the SBML."""

from __future__ import annotations

import numpy as np
import roadrunner

from neuroimmune.engines.codegen import array_model
from neuroimmune.model.compose import compose
from neuroimmune.sbml_export import resting_sbml


def _runner_away_from_rest() -> roadrunner.RoadRunner:
    """The exported model two hours into an endotoxin exposure, every state non-trivial."""
    runner = roadrunner.RoadRunner(resting_sbml())
    model = compose()
    for index, name in enumerate(model.state_names):
        runner[name] = runner[name] * (1.0 + 0.1 * (index % 3)) + 1e-3
    runner.simulate(0.0, 2.0, 3)
    return runner


def _arrays(runner: roadrunner.RoadRunner, model):
    y = np.array([[runner[name]] for name in model.state_names])
    p = np.array([[runner[name]] for name in model.parameters])
    return runner.model.getTime(), y, p


def test_rates_equal_libroadrunner_rates():
    model = compose()
    runner = _runner_away_from_rest()
    t, y, p = _arrays(runner, model)
    ours = array_model(np, model).rhs(t, y, p)[:, 0]
    rates = runner.getRatesOfChangeNamedArray()
    theirs = dict(zip(rates.colnames, rates[0], strict=True))
    expected = np.array([theirs[f"{name}'"] for name in model.state_names])
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-300)


def test_parameters_compiled_in_as_constants_give_the_same_rates():
    """Constants are written as numbers; the rates (and derived values) must not move."""
    model = compose()
    t, y, p = _arrays(_runner_away_from_rest(), model)
    defaults = model.default_values()
    constants = {name: defaults[name] for name in model.parameters if name != "k_LPS"}
    p = np.array([[defaults[name]] for name in model.parameters])
    generic, fixed = array_model(np, model), array_model(np, model, constants)
    np.testing.assert_allclose(fixed.rhs(t, y, p), generic.rhs(t, y, p), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(fixed.observe(t, y, p), generic.observe(t, y, p), rtol=1e-13,
                               atol=1e-300)
