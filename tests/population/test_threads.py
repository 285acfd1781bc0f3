"""Chunks in several threads of one worker process (the batched engine's layout)."""

from __future__ import annotations

import os
import threading

import pandas as pd
import pytest

pytest.importorskip("jax")

import neuroimmune as ni
from neuroimmune.population import ChunkTask, patient_overrides, sample_patients
from neuroimmune.population.chunk import simulate_chunk, worker_engine
from neuroimmune.scenarios import load_scenario

BATCHED = (("engine", "batched"),)


def _task(index: int, seed: int, size: int = 24) -> ChunkTask:
    overrides = tuple(patient_overrides(sample_patients(size, seed)))
    return ChunkTask(index, load_scenario("lps_2ngkg"), tuple(range(size)), overrides,
                     ni.OBSERVABLE_NAMES, engine_options=BATCHED)


def _in_threads(*tasks: ChunkTask) -> list[pd.DataFrame]:
    outcomes: list[pd.DataFrame | None] = [None] * len(tasks)

    def run(slot: int) -> None:
        outcomes[slot] = simulate_chunk(tasks[slot]).outcomes

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_a_chunk_gives_the_same_numbers_beside_another_thread_as_alone():
    """Bit for bit: the threads share the engine, its compiled solves and its reference
    rest, and a chunk's numbers depend on its own patients only."""
    first, second = _task(1, seed=11), _task(2, seed=12)
    beside = _in_threads(first, second)  # the first use: both threads also learn the reference
    alone = simulate_chunk(first).outcomes
    assert (alone["error"] == "").all()
    pd.testing.assert_frame_equal(beside[0], alone, check_exact=True)


def test_threads_share_the_batched_engine_but_not_libroadrunner():
    """libRoadRunner is not thread-safe: each thread gets its own (the batched chunk's
    fallback for stiff patients uses it)."""
    seen: dict[str, list[object]] = {"batched": [], "roadrunner": []}

    def look() -> None:
        seen["batched"].append(worker_engine(BATCHED))
        seen["roadrunner"].append(worker_engine())
        seen["roadrunner"].append(worker_engine())  # the same thread: the same one

    threads = [threading.Thread(target=look) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen["batched"][0] is seen["batched"][1]
    first, again, second, _ = seen["roadrunner"]
    assert first is again and first is not second


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs two cores")
def test_a_batched_population_runs_on_one_process_of_two_threads(tmp_path):
    from neuroimmune.population.engine_pool import SINGLE_THREADED_XLA
    from neuroimmune.population.run import RunSettings, make_engine

    settings = RunSettings(workers=1, engine_options=BATCHED)  # as `--workers 1` passes them
    with make_engine(settings) as engine:
        seen = engine._client.run(lambda: (os.environ.get("XLA_FLAGS"),
                                           os.environ.get("MALLOC_ARENA_MAX")))
        info = engine._client.scheduler_info()["workers"]
        assert [worker["nthreads"] for worker in info.values()] == [2]
        assert engine._window() == 4  # two chunks in flight per thread
    assert list(seen.values()) == [(SINGLE_THREADED_XLA, "2")]


def test_each_engine_gets_its_own_default_layout(monkeypatch):
    """Two one-thread processes for libRoadRunner; one one-thread process per core for
    the batched engine, fewer where memory lacks room, and then two chunk threads per
    process (never more chunks at once than cores while there is room for them)."""
    from types import SimpleNamespace

    from neuroimmune.population import run
    from neuroimmune.population.run import RunSettings, local_layout

    def machine(cores: int, gib: float) -> None:
        monkeypatch.setattr(run, "usable_cores", lambda: cores)
        room = SimpleNamespace(available=int(gib * run.BATCHED_WORKER_BYTES))
        monkeypatch.setattr(run.psutil, "virtual_memory", lambda: room)

    machine(cores=2, gib=20)
    assert local_layout(RunSettings()) == (2, 1)
    assert local_layout(RunSettings(engine_options=BATCHED)) == (2, 1)
    assert local_layout(RunSettings(workers=1, engine_options=BATCHED)) == (1, 2)
    assert local_layout(RunSettings(workers=1, threads_per_worker=1,
                                    engine_options=BATCHED)) == (1, 1)
    assert local_layout(RunSettings(workers=0, engine_options=BATCHED))[0] == 0
    machine(cores=16, gib=20)
    assert local_layout(RunSettings(engine_options=BATCHED)) == (16, 1)
    assert local_layout(RunSettings()) == (2, 1)  # libRoadRunner keeps its two
    machine(cores=16, gib=6.5)
    assert local_layout(RunSettings(engine_options=BATCHED)) == (6, 2)
    machine(cores=2, gib=0.5)
    assert local_layout(RunSettings(engine_options=BATCHED)) == (1, 2)


def test_long_scenarios_share_a_process_between_two_chunks(monkeypatch):
    """A 12-week chunk holds ten times a 24 h chunk's values: its chunks run two to a
    process (as fast, measured, and one set of compiled solves instead of two)."""
    from types import SimpleNamespace

    from neuroimmune.population import run
    from neuroimmune.population.run import RunSettings, chunk_value_bytes, local_layout
    from neuroimmune.scenarios import load_scenario

    monkeypatch.setattr(run, "usable_cores", lambda: 2)
    room = SimpleNamespace(available=20 * run.BATCHED_WORKER_BYTES)
    monkeypatch.setattr(run.psutil, "virtual_memory", lambda: room)
    settings = RunSettings(chunk_size=1000, engine_options=BATCHED)
    short = chunk_value_bytes(load_scenario("lps_2ngkg"), settings)
    long = chunk_value_bytes(load_scenario("ifn_alpha_therapy"), settings)
    assert short < run.LARGE_CHUNK_BYTES < long
    assert long == 1000 * (12 * 7 * 24 + 1) * len(settings.observables) * 8  # hourly, 12 weeks
    assert local_layout(settings, short) == (2, 1)
    assert local_layout(settings, long) == (1, 2)
    assert local_layout(RunSettings(workers=2, engine_options=BATCHED), long) == (2, 1)
    assert local_layout(RunSettings(), long) == (2, 1)  # libRoadRunner: one patient at a time
