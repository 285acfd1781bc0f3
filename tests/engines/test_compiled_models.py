"""libRoadRunner instances kept on disk load with the numbers of a fresh compile."""

from __future__ import annotations

import numpy as np
import pytest

import neuroimmune as ni
from neuroimmune.engines import RoadRunnerEngine, compiled_models
from neuroimmune.engines.roadrunner_engine import _sbml
from neuroimmune.model.compose import compose


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(compiled_models.CACHE_VARIABLE, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_an_engine_loaded_from_the_cache_computes_the_same_numbers(cache):
    compiled = RoadRunnerEngine()  # a miss: compiles, then keeps the instance
    assert compiled_models.state_path(_sbml()).exists()
    loaded = RoadRunnerEngine()  # a hit
    for scenario, patient in (("lps_2ngkg", {"k_LPS": 1.3, "baseline_stress": 0.3}),
                              ("ifn_alpha_therapy", {})):
        expected = ni.simulate(scenario, engine=compiled, **patient)
        result = ni.simulate(scenario, engine=loaded, **patient)
        for name, values in expected.values.items():
            np.testing.assert_array_equal(result.values[name], values, err_msg=name)


def test_a_damaged_file_is_compiled_anew_and_replaced(cache):
    path = compiled_models.state_path(_sbml())
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a roadrunner state")
    runner = compiled_models.compiled_runner(_sbml())
    assert runner.model.getNumRateRules() == len(compose().states)
    assert path.read_bytes()[:22] != b"not a roadrunner state"
    assert [p.name for p in cache.iterdir()] == [path.name]  # no temporary file left


def test_a_folder_that_cannot_be_written_only_costs_compiling(tmp_path, monkeypatch):
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    monkeypatch.setenv(compiled_models.CACHE_VARIABLE, str(blocker / "cache"))
    runner = compiled_models.compiled_runner(_sbml())
    assert runner.model.getNumRateRules() == len(compose().states)


def test_the_key_follows_the_model_text(cache):
    assert compiled_models.state_path(_sbml()) != compiled_models.state_path(_sbml() + " ")
