"""The estimators against known answers, on a stand-in engine with analytic outcomes.

The stand-in runs the same ``ChunkTask``s as the real engines but computes the outcome
from a formula, and hands chunks back in reverse order (engines return them in
completion order), so these tests check the whole path: design, chunking, reordering,
failure handling and SALib, in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pandas as pd
import pytest

from neuroimmune.population import ChunkOutput, ChunkTask, PopulationEngine
from neuroimmune.population.run import RunSettings
from neuroimmune.sensitivity import (
    Outcome,
    ParameterRange,
    SensitivityError,
    SensitivityProblem,
    evaluation_count,
    run_sensitivity,
)

OUTCOME = Outcome("TNF_pg_mL", "peak")
SETTINGS = RunSettings(chunk_size=64, progress=False)


class FormulaEngine(PopulationEngine):
    """Outcome = ``formula(overrides)``; NaN means a failed run. Chunks come back reversed."""

    def __init__(self, formula: Callable[[dict[str, float]], float]) -> None:
        self.formula = formula

    @property
    def description(self) -> str:
        return "formula"

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkOutput]:
        for task in reversed(list(tasks)):
            values = [self.formula(o) for o in task.overrides]
            frame = pd.DataFrame({"patient_id": np.asarray(task.patient_ids, dtype=np.int64),
                                  OUTCOME.column: values})
            frame["error"] = ["solver failed" if math.isnan(v) else "" for v in values]
            yield ChunkOutput(task.index, frame, None, 0.0)


def uniform(name: str, low: float, high: float, log: bool = False) -> ParameterRange:
    return ParameterRange(name, low, high, log, "1", "test", low)


def ishigami(x: dict[str, float], a: float = 7.0, b: float = 0.1) -> float:
    return math.sin(x["x1"]) + a * math.sin(x["x2"]) ** 2 + b * x["x3"] ** 4 * math.sin(x["x1"])


ISHIGAMI = SensitivityProblem(tuple(uniform(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)))
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
"""Analytic indices of the Ishigami function (a = 7, b = 0.1): Ishigami & Homma 1990;
Saltelli et al. 2008, Global Sensitivity Analysis: The Primer, section 4.6."""
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def test_sobol_recovers_the_ishigami_indices():
    result = run_sensitivity("lps_2ngkg", [OUTCOME], "sobol", 1024, 0, ISHIGAMI, SETTINGS,
                             FormulaEngine(ishigami))
    assert len(result.evaluations) == evaluation_count("sobol", 1024, 3) == 1024 * 5
    frame = result.indices[OUTCOME.label]
    assert frame["S1"].to_numpy() == pytest.approx(ISHIGAMI_S1, abs=0.04)
    assert frame["ST"].to_numpy() == pytest.approx(ISHIGAMI_ST, abs=0.04)
    assert (frame["ST_conf"] > 0).all() and (frame["ST_conf"] < 0.1).all()
    assert result.ranking(OUTCOME.label) == ["x1", "x2", "x3"]


def test_morris_effects_are_per_full_range_in_sampling_space():
    """y = 2a + log10(c) with a uniform on [0, 1] and c log-uniform on [1, 1000]: every
    elementary effect is 2 for a and 3 (decades) for c; b has none."""
    problem = SensitivityProblem((uniform("a", 0.0, 1.0), uniform("b", 5.0, 6.0),
                                  uniform("c", 1.0, 1000.0, log=True)))
    result = run_sensitivity("lps_2ngkg", [OUTCOME], "morris", 8, 4, problem, SETTINGS,
                             FormulaEngine(lambda x: 2 * x["a"] + math.log10(x["c"])))
    frame = result.indices[OUTCOME.label]
    assert frame["mu_star"].to_numpy() == pytest.approx([2.0, 0.0, 3.0], abs=1e-9)
    assert frame["mu"].to_numpy() == pytest.approx([2.0, 0.0, 3.0], abs=1e-9)
    assert frame["sigma"].to_numpy() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
    assert len(result.evaluations) == 8 * 4


def test_failed_runs_drop_their_blocks_and_are_counted():
    formula = FormulaEngine(lambda x: math.nan if x["x1"] > 2.9 else ishigami(x))
    result = run_sensitivity("lps_2ngkg", [OUTCOME], "sobol", 256, 0, ISHIGAMI, SETTINGS,
                             formula, max_failed_share=0.5)
    entry = result.outcomes[0]
    failed = int((result.evaluations["error"] != "").sum())
    assert failed == entry.failed == result.failed_evaluations > 0
    assert 0 < entry.dropped < 256 and entry.used + entry.dropped == 256
    summary = result.summary()
    assert summary["failed_evaluations"] == failed
    assert summary["outcomes"][OUTCOME.label]["base_samples_dropped"] == entry.dropped
    assert summary["errors"] == ["solver failed"]

    with pytest.raises(SensitivityError, match=r"model runs failed.*solver failed"):
        run_sensitivity("lps_2ngkg", [OUTCOME], "sobol", 256, 0, ISHIGAMI, SETTINGS, formula)


def test_an_outcome_that_does_not_vary_gets_zero_indices_not_noise():
    result = run_sensitivity("lps_2ngkg", [OUTCOME], "sobol", 16, 0, ISHIGAMI, SETTINGS,
                             FormulaEngine(lambda x: 100.0 * (1 + 1e-9 * x["x1"])))
    entry = result.outcomes[0]
    assert entry.constant
    assert (entry.indices == 0.0).all().all()


@pytest.mark.parametrize(("method", "n", "message"), [
    ("sobol", 48, "power of 2"), ("sobol", 2, "power of 2"), ("morris", 1, "at least 2"),
    ("fast", 64, "unknown method"),
])
def test_sizes_the_estimators_cannot_use_are_refused(method, n, message):
    with pytest.raises(SensitivityError, match=message):
        run_sensitivity("lps_2ngkg", [OUTCOME], method, n, 0, ISHIGAMI, SETTINGS,
                        FormulaEngine(ishigami))
