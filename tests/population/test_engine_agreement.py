"""The population engines agree with ``neuroimmune.simulate`` (the default engine).

Stated tolerance: every observable, at every output time, within 1e-4 of the default
engine's result relative to that observable's largest absolute value in the run
(100 times the solver's relative tolerance). Both run the same libRoadRunner engine
code with a full burn-in per patient, so they agree to solver noise: measured exactly
(difference 0) for fresh Dask worker processes on all 20 built-in scenarios, 3 patients
each, and up to about 5e-6 for an engine instance that has run other patients before
(CVODE's step history differs).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import neuroimmune as ni
from neuroimmune.population import ChunkTask, InProcessEngine, model_columns, sample_patients
from neuroimmune.scenarios import load_scenario

RELATIVE_TOLERANCE = 1e-4

SCENARIOS = (
    "lps_2ngkg",              # a bolus challenge
    "hydrocortisone_lps",     # a glucocorticoid infusion before the challenge
    "infliximab_autoimmune",  # stiff antibody binding during a flare
    "vns_lps",                # an exposure window (add/remove a parameter)
    "paroxetine_ifn",         # weeks of repeated dosing of two drugs
)


def _tasks(patients) -> list[ChunkTask]:
    columns = model_columns(patients)
    tasks = []
    for index, name in enumerate(SCENARIOS, start=1):
        scenario = load_scenario(name)
        overrides = tuple({c: float(patients.loc[i, c]) for c in columns if c not in scenario.patient}
                          for i in patients.index)
        tasks.append(ChunkTask(index, scenario, tuple(int(i) for i in patients.index), overrides,
                               ni.OBSERVABLE_NAMES, keep_trajectories=True, fan_points=10**7))
    return tasks


def _assert_agrees(tasks, outputs) -> None:
    by_index = {output.index: output for output in outputs}
    assert set(by_index) == {task.index for task in tasks}
    for task in tasks:
        output = by_index[task.index]
        assert (output.outcomes["error"] == "").all()
        for patient_id, overrides in zip(task.patient_ids, task.overrides, strict=True):
            reference = ni.simulate(task.scenario, **overrides)
            kept = output.trajectories[output.trajectories["patient_id"] == patient_id]
            np.testing.assert_array_equal(kept["time_h"].to_numpy(), reference.time_h)
            for name in ni.OBSERVABLE_NAMES:
                scale = max(float(np.max(np.abs(reference[name]))), 1e-12)
                difference = np.max(np.abs(kept[name].to_numpy() - reference[name])) / scale
                assert difference <= RELATIVE_TOLERANCE, (task.scenario.name, patient_id, name)
            row = output.outcomes.set_index("patient_id").loc[patient_id]
            peak = float(np.max(reference["TNF_pg_mL"]))
            assert row["TNF_pg_mL.peak"] == pytest.approx(peak, rel=RELATIVE_TOLERANCE)


@pytest.fixture(scope="module")
def tasks():
    return _tasks(sample_patients(2, seed=5))


def test_dask_pool_agrees_with_default_engine(tasks):
    from neuroimmune.population.engine_pool import DaskPoolEngine

    with DaskPoolEngine(workers=2) as engine:
        outputs = list(engine.run(tasks))
    _assert_agrees(tasks, outputs)


def _threads_and_allocator() -> tuple[set[tuple[int, ...]], str | None]:
    """Each thread's cores, and glibc's trim setting, in a worker process."""
    threads = Path("/proc/self/task").iterdir()
    return ({tuple(sorted(os.sched_getaffinity(int(t.name)))) for t in threads},
            os.environ.get("MALLOC_TRIM_THRESHOLD_"))


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs Linux and two cores")
def test_local_workers_each_keep_to_a_core_with_glibcs_own_allocator():
    """Unpinned, XLA's spinning threads made two batched workers no faster than one;
    Dask's trim setting made each batched solve ~35% slower (engine_pool docstrings)."""
    from neuroimmune.population.engine_pool import DaskPoolEngine

    with DaskPoolEngine(workers=2) as engine:
        seen = engine._client.run(_threads_and_allocator)
    cores = [threads for threads, _ in seen.values()]
    assert all(len(threads) == 1 and len(next(iter(threads))) == 1 for threads in cores)
    assert len({next(iter(threads)) for threads in cores}) == 2  # one core each
    assert all(trim is None for _, trim in seen.values())


def test_in_process_engine_agrees_with_default_engine(tasks):
    _assert_agrees(tasks[:2], list(InProcessEngine().run(tasks[:2])))
