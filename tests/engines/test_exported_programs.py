"""Traced programs kept on disk: loaded without tracing, the same numbers bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("jax")
pytest.importorskip("flatbuffers")

from neuroimmune.engines import exported_programs
from neuroimmune.engines.exported_programs import SUFFIX, ExportedProgram


def counted(traces: list[int]):
    """A small solve-like program whose body records each time it is traced."""
    import jax.numpy as jnp

    def program(y, steps, scale):
        traces.append(1)
        for _ in range(steps):
            y = y + scale * jnp.sin(y)
        return y, jnp.all(jnp.isfinite(y))

    return program


def test_a_program_is_traced_once_per_machine_and_loaded_by_the_next_process(tmp_path):
    traces: list[int] = []
    first = ExportedProgram(counted(traces), "identity", (1,), tmp_path)
    y = np.linspace(0.0, 1.0, 8)
    expected = first(y, 3, 0.5)
    assert len(traces) == 1 and len(list(tmp_path.glob(f"*{SUFFIX}"))) == 1
    first(y + 1.0, 3, 0.25)  # same shapes and static value: the same program
    assert len(traces) == 1

    again = ExportedProgram(counted(traces), "identity", (1,), tmp_path)  # a fresh process
    loaded = again(y, 3, 0.5)
    assert len(traces) == 1  # loaded, not traced
    for mine, theirs in zip(loaded, expected, strict=True):
        assert np.array_equal(np.asarray(mine), np.asarray(theirs))

    again(y, 4, 0.5)  # another static value and another shape: programs of their own
    again(np.zeros(16), 3, 0.5)
    assert len(traces) == 3 and len(list(tmp_path.glob(f"*{SUFFIX}"))) == 3


def test_the_file_is_keyed_by_what_the_program_is_made_of(tmp_path):
    one = ExportedProgram(counted([]), "model A", (1,), tmp_path)
    other = ExportedProgram(counted([]), "model B", (1,), tmp_path)
    signature = "float64[8] 3 float"
    assert one.path(signature) != other.path(signature)
    assert one.path(signature) != one.path("float64[16] 3 float")
    assert one.path(signature) == ExportedProgram(counted([]), "model A", (1,), tmp_path).path(signature)


def test_a_damaged_file_is_traced_again_and_replaced(tmp_path):
    traces: list[int] = []
    y = np.linspace(0.0, 1.0, 8)
    expected = ExportedProgram(counted(traces), "identity", (1,), tmp_path)(y, 3, 0.5)
    [path] = tmp_path.glob(f"*{SUFFIX}")
    path.write_bytes(b"not a program")
    result = ExportedProgram(counted(traces), "identity", (1,), tmp_path)(y, 3, 0.5)
    assert len(traces) == 2
    assert np.array_equal(np.asarray(result[0]), np.asarray(expected[0]))
    loaded = ExportedProgram(counted(traces), "identity", (1,), tmp_path)(y, 3, 0.5)
    assert len(traces) == 2  # the replacement loads
    assert np.array_equal(np.asarray(loaded[0]), np.asarray(expected[0]))


def test_without_a_usable_folder_the_program_runs_as_plain_jit(tmp_path):
    traces: list[int] = []
    y = np.linspace(0.0, 1.0, 8)
    expected = ExportedProgram(counted(traces), "identity", (1,), None)(y, 3, 0.5)
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    result = ExportedProgram(counted(traces), "identity", (1,), blocked)(y, 3, 0.5)
    assert np.array_equal(np.asarray(result[0]), np.asarray(expected[0]))
    assert blocked.read_text() == ""  # nothing written over it


def test_a_program_that_cannot_be_exported_runs_as_plain_jit(tmp_path, monkeypatch):
    """A program that calls back to Python (Equinox's run-time checks without
    ``EQX_ON_ERROR=nan``) runs, and the program does not try to export the next one."""
    import jax

    traces: list[int] = []

    def calls_back(y):
        traces.append(1)
        jax.debug.callback(lambda value: None, y)
        return y * 2.0

    program = ExportedProgram(calls_back, "identity", (), tmp_path)
    assert np.array_equal(np.asarray(program(np.ones(4))), np.full(4, 2.0))
    assert len(traces) == 1 and not list(tmp_path.iterdir())  # jax.jit reused the trace
    exports: list[int] = []
    monkeypatch.setattr(jax.export, "export", lambda *a, **k: exports.append(1))
    assert np.array_equal(np.asarray(program(np.ones(8))), np.full(8, 2.0))
    assert len(traces) == 2 and not exports and not list(tmp_path.iterdir())

    monkeypatch.setattr(exported_programs, "serialization_available", lambda: False)
    without = ExportedProgram(counted(traces), "identity", (1,), tmp_path)
    without(np.ones(4), 2, 0.5)
    assert len(traces) == 3 and not exports and not list(tmp_path.iterdir())  # plain jit


def test_the_batched_engine_computes_the_same_numbers_from_loaded_solves(tmp_path, monkeypatch):
    """A population worker that loads its solves computes what one that traced them
    computes, bit for bit, and what an engine without kept solves computes."""
    pytest.importorskip("diffrax")
    from jax import export

    from neuroimmune.engines import jax_engine
    from neuroimmune.population import patient_overrides, sample_patients
    from neuroimmune.scenarios import load_scenario
    from neuroimmune.simulation import OBSERVABLE_SYMBOLS, output_times, patient_inputs

    monkeypatch.setattr(jax_engine, "exported_folder", lambda: tmp_path)
    scenario = load_scenario("lps_2ngkg")
    inputs = [patient_inputs(scenario, o) for o in patient_overrides(sample_patients(8, 5))]
    times = output_times(scenario)

    def run(engine: jax_engine.JaxBatchedEngine) -> np.ndarray:
        batch = engine.simulate_batch([p for p, _ in inputs], [e for _, e in inputs], times,
                                      OBSERVABLE_SYMBOLS)
        assert not any(batch.errors)
        return np.stack([batch.values[symbol] for symbol in OBSERVABLE_SYMBOLS])

    traced = run(jax_engine.JaxBatchedEngine())
    assert list(tmp_path.glob(f"*{SUFFIX}"))
    exports: list[int] = []
    real_export = export.export
    monkeypatch.setattr(export, "export", lambda *a, **k: exports.append(1) or real_export(*a, **k))
    loaded = run(jax_engine.JaxBatchedEngine())
    assert not exports  # every solve came from the disk
    plain = run(jax_engine.JaxBatchedEngine(keep_exported=False))
    assert np.array_equal(loaded, traced) and np.array_equal(plain, traced)


def test_the_folder_sits_beside_the_compiled_code(monkeypatch, tmp_path):
    monkeypatch.setenv("NEUROIMMUNE_JAX_CACHE", str(tmp_path))
    assert exported_programs.exported_folder() == tmp_path / "exported"
