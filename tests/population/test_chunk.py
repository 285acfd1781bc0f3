"""A batched chunk: which patients the batched engine could not run go to libRoadRunner."""

from __future__ import annotations

import numpy as np
import pytest

from neuroimmune.engines.jax_engine import NO_REST, STIFF, BatchResult
from neuroimmune.observables import OBSERVABLES
from neuroimmune.population import chunk
from neuroimmune.population.chunk import ChunkTask, simulate_chunk
from neuroimmune.scenarios import load_scenario
from neuroimmune.simulation import OBSERVABLE_SYMBOLS


class _Batched:
    """Stands in for the batched engine: patient 1 is too stiff for it, patient 2 has
    no rest, the others ran (every value 1.0)."""

    def simulate_batch(self, patients, events, output_times, symbols):
        values = {s: np.ones((len(patients), len(output_times))) for s in symbols}
        errors = [""] * len(patients)
        errors[1] = f"{STIFF} (more than 256 steps in 24 h); use the default engine"
        errors[2] = f"{NO_REST}: the parameters leave the model without a stable 24 h rest"
        for patient in (1, 2):
            for series in values.values():
                series[patient] = np.nan
        return BatchResult(values, errors)


class _Default:
    """Stands in for libRoadRunner: records whom it simulated, every value 2.0."""

    def __init__(self) -> None:
        self.simulated: list[dict[str, float]] = []

    def simulate(self, parameters, events, output_times, symbols):
        self.simulated.append(dict(parameters))
        return {s: np.full(len(output_times), 2.0) for s in OBSERVABLE_SYMBOLS}


def test_only_stiff_patients_go_to_libroadrunner(monkeypatch):
    """A stiff patient gets a libRoadRunner run; one without rest keeps the batched
    engine's error (its rest already ran on libRoadRunner days and batched days)."""
    default = _Default()
    monkeypatch.setattr(chunk, "worker_engine", lambda options=(): default)
    task = ChunkTask(1, load_scenario("lps_2ngkg"), (10, 11, 12, 13),
                     tuple({"k_LPS": 1.0 + i / 10} for i in range(4)),
                     tuple(o.name for o in OBSERVABLES))
    outcomes = simulate_chunk(task, _Batched()).outcomes.set_index("patient_id")
    assert [p["k_LPS"] for p in default.simulated] == [pytest.approx(1.1)]
    assert outcomes.loc[11, "error"] == ""
    assert outcomes.loc[12, "error"].startswith(NO_REST)
    assert outcomes.loc[[10, 13], "error"].eq("").all()
    peak = outcomes.filter(like="peak").columns[0]
    assert outcomes.loc[11, peak] == 2.0 and outcomes.loc[10, peak] == 1.0
    assert np.isnan(outcomes.loc[12, peak])
