"""Global sensitivity: Sobol and Morris (SALib), with the model runs on the population engines.

``run_sensitivity`` draws a design with SALib, runs every row as one virtual patient
(the row's values as parameter overrides on top of the scenario) through the same
``ChunkTask`` / ``PopulationEngine`` machinery as ``neuroimmune population`` (a local
Dask pool, a remote cluster, or this process), reads the requested outcomes, and
computes the indices with SALib:

- **Sobol** (Saltelli's scheme, ``calc_second_order=False``): ``n`` base samples of a
  scrambled Sobol' sequence, ``n * (D + 2)`` model runs; first-order ``S1`` and
  total-order ``ST`` indices with bootstrap confidence intervals.
- **Morris** (elementary effects): ``n`` trajectories on a ``MORRIS_LEVELS`` grid,
  ``n * (D + 1)`` model runs; ``mu``, ``mu_star`` (with a bootstrap interval) and
  ``sigma``, in outcome units per full parameter range (in sampling space).

Reproducible bit for bit from ``seed``: it seeds the design, and a stream derived from
it seeds the bootstrap (SALib's Sobol analysis ignores a seed of 0, so the bootstrap
seed is never 0). The model runs are deterministic.

A run that fails (the solver gives up, or an observable is not finite) leaves NaN
outcomes. Both estimators work on whole blocks (a Sobol base sample with its ``D + 1``
cross-samples, a Morris trajectory), so a block with a failed run is left out whole and
counted; if more than ``max_failed_share`` of the blocks are lost the analysis stops
with the errors, since the indices would then describe only the part of the range
where the model runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from neuroimmune.population.chunk import ChunkTask, EngineOptions
from neuroimmune.population.engine_base import PopulationEngine
from neuroimmune.population.run import RunSettings, make_engine
from neuroimmune.scenarios.loader import load_scenario
from neuroimmune.scenarios.model import Scenario
from neuroimmune.sensitivity.problem import (
    Outcome,
    SensitivityError,
    SensitivityProblem,
    define_problem,
    parse_outcome,
)
from neuroimmune.sensitivity.result import OutcomeIndices, SensitivityResult

METHODS: tuple[str, ...] = ("sobol", "morris")

MORRIS_LEVELS = 4
"""Grid levels of the Morris design (SALib's default; even, so steps are balanced)."""

RESAMPLES = 1000
"""Bootstrap resamples behind every confidence interval."""

CONFIDENCE = 0.95

MAX_FAILED_SHARE = 0.05
"""At most this share of Sobol base samples or Morris trajectories may be lost to failed runs."""

SOLVER_NOISE = 1e-6
"""An outcome whose spread over all runs is below this fraction of its largest magnitude
(the solver's relative tolerance) does not vary: its indices are zero, not normalised noise."""

SHOWN_ERRORS = 5
"""Distinct solver messages kept in the result and in error messages."""


def check_size(method: str, n: int) -> None:
    """Refuse a method or sample count the estimators cannot use."""
    if method not in METHODS:
        raise SensitivityError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "sobol" and (n < 4 or n & (n - 1)):
        raise SensitivityError(f"Sobol needs N (--n) a power of 2, at least 4 (e.g. 64, 256, 1024), "
                               f"got {n}: the Sobol' sequence is balanced only at powers of 2")
    if method == "morris" and n < 2:
        raise SensitivityError(f"Morris needs at least 2 trajectories (N, --n), got {n}")


def block_size(method: str, parameters: int) -> int:
    """Rows of the design per Sobol base sample (``D + 2``) or Morris trajectory (``D + 1``)."""
    return parameters + (2 if method == "sobol" else 1)


def evaluation_count(method: str, n: int, parameters: int) -> int:
    """Model runs of an analysis: ``n * (D + 2)`` (Sobol), ``n * (D + 1)`` (Morris)."""
    return n * block_size(method, parameters)


def bootstrap_seed(seed: int) -> int:
    """A non-zero seed for the bootstrap, derived from ``seed`` (independent of the design's)."""
    state = np.random.SeedSequence([seed, 1]).generate_state(1, dtype=np.uint64)[0]
    return int(state) or 1


def design(problem: SensitivityProblem, method: str, n: int, seed: int) -> np.ndarray:
    """The SALib design in sampling space: ``evaluation_count`` rows, one column per parameter."""
    check_size(method, n)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem.salib(), n, calc_second_order=False, scramble=True, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem.salib(), n, num_levels=MORRIS_LEVELS, seed=seed)


def _tasks(scenario: Scenario, values: np.ndarray, names: tuple[str, ...],
           observables: tuple[str, ...], chunk_size: int,
           engine_options: EngineOptions) -> Iterator[ChunkTask]:
    for index, start in enumerate(range(0, len(values), chunk_size), start=1):
        rows = values[start:start + chunk_size]
        yield ChunkTask(
            index=index,
            scenario=scenario,
            patient_ids=tuple(range(start, start + len(rows))),
            overrides=tuple(dict(zip(names, map(float, row), strict=True)) for row in rows),
            observables=observables,
            engine_options=engine_options,
        )


def evaluate(scenario: Scenario, problem: SensitivityProblem, values: np.ndarray,
             outcomes: Sequence[Outcome], engine: PopulationEngine, chunk_size: int = 50,
             engine_options: EngineOptions = (), progress: bool = True) -> pd.DataFrame:
    """Run every row of ``values`` as one patient on ``engine``; outcomes in row order.

    Columns: the outcomes' columns (``"TNF_pg_mL.peak"``, ...) and ``error`` (empty
    unless that run failed), indexed by row (``sample``).
    """
    from tqdm import tqdm

    observables = tuple(dict.fromkeys(o.observable for o in outcomes))
    columns = list(dict.fromkeys(o.column for o in outcomes))
    frames = []
    tasks = _tasks(scenario, values, problem.names, observables, chunk_size, engine_options)
    with tqdm(total=len(values), unit="run", desc=f"sensitivity {scenario.name[:30]}",
              disable=not progress) as bar:
        for output in engine.run(tasks):
            frames.append(output.outcomes[["patient_id", *columns, "error"]])
            bar.update(len(output.outcomes))
    frame = pd.concat(frames, ignore_index=True).rename(columns={"patient_id": "sample"})
    frame = frame.set_index("sample").sort_index()
    if not frame.index.equals(pd.RangeIndex(len(values))):
        raise RuntimeError(f"the engine returned {len(frame)} of {len(values)} runs")
    return frame


def run_sensitivity(scenario: str | Path | Scenario, outcomes: Sequence[str | Outcome],
                    method: str = "sobol", n: int = 64, seed: int = 0,
                    parameters: Sequence[str] | SensitivityProblem | None = None,
                    settings: RunSettings | None = None, engine: PopulationEngine | None = None,
                    max_failed_share: float = MAX_FAILED_SHARE) -> SensitivityResult:
    """Sobol or Morris indices of ``outcomes`` in ``scenario`` over ``parameters``.

    ``outcomes``: ``Outcome``s or ``"OBSERVABLE:METRIC"`` strings. ``parameters``: names
    (default ``DEFAULT_PARAMETERS``) or a ready ``SensitivityProblem``. ``settings``: where
    the runs go (``workers``, ``scheduler_address``, ``chunk_size``, ``engine_options``,
    ``progress``), as for a population run; ``engine`` overrides the engine they would
    make (the caller then closes it). Raises ``SensitivityError`` on bad input and when
    too many runs fail, ``PopulationError`` on bad settings or when Dask cannot start.
    """
    started = time.perf_counter()
    settings = settings or RunSettings(chunk_size=50)
    settings.check()
    check_size(method, n)
    if seed < 0:
        raise SensitivityError(f"the seed must be 0 or more, got {seed}")
    wanted = [o if isinstance(o, Outcome) else parse_outcome(o) for o in outcomes]
    wanted = list(dict.fromkeys(wanted))
    if not wanted:
        raise SensitivityError("name at least one outcome, e.g. TNF_pg_mL:peak")
    problem = parameters if isinstance(parameters, SensitivityProblem) else define_problem(parameters)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)

    samples = design(problem, method, n, seed)
    values = problem.to_values(samples)
    own_engine = engine is None
    engine = engine or make_engine(settings)
    try:
        runs = evaluate(scenario, problem, values, wanted, engine, settings.chunk_size,
                        settings.engine_options, settings.progress)
    finally:
        if own_engine:
            engine.close()

    errors = tuple(dict.fromkeys(e for e in runs["error"] if e))[:SHOWN_ERRORS]
    block = block_size(method, len(problem))
    analysed = tuple(
        _analyse(method, problem, outcome, samples, runs[outcome.column].to_numpy(dtype=float),
                 block, seed, max_failed_share, errors)
        for outcome in wanted
    )
    evaluations = pd.DataFrame(values, columns=list(problem.names))
    evaluations.insert(0, "sample", np.arange(len(values), dtype=np.int64))
    evaluations.insert(1, "block", np.arange(len(values), dtype=np.int64) // block)
    for column in runs.columns:
        evaluations[column] = runs[column].to_numpy()
    return SensitivityResult(
        method=method, scenario=scenario.name, problem=problem, n=n, seed=seed,
        outcomes=analysed, evaluations=evaluations, seconds=time.perf_counter() - started,
        engine=engine.description, errors=errors,
        scenario_values_replaced=tuple(p for p in problem.names if p in scenario.patient),
        settings=_settings_record(method, seed, max_failed_share),
    )


def _settings_record(method: str, seed: int, max_failed_share: float) -> dict[str, object]:
    """The estimator settings a result records beside its indices."""
    specific: dict[str, object] = (
        {"calc_second_order": False, "scramble": True} if method == "sobol"
        else {"levels": MORRIS_LEVELS})
    return specific | {"resamples": RESAMPLES, "confidence": CONFIDENCE,
                       "bootstrap_seed": bootstrap_seed(seed), "max_failed_share": max_failed_share}


def _analyse(method: str, problem: SensitivityProblem, outcome: Outcome, samples: np.ndarray,
             y: np.ndarray, block: int, seed: int, max_failed_share: float,
             errors: tuple[str, ...]) -> OutcomeIndices:
    """Indices of one outcome, leaving out whole blocks that hold a failed run."""
    blocks = len(y) // block
    good = np.isfinite(y).reshape(blocks, block).all(axis=1)
    failed = int((~np.isfinite(y)).sum())
    dropped = int(blocks - good.sum())
    unit = "base samples" if method == "sobol" else "trajectories"
    if dropped > max_failed_share * blocks or good.sum() < 2:
        shown = "; ".join(errors) if errors else "the observable was not finite"
        raise SensitivityError(
            f"{outcome.label}: {failed} of {len(y)} model runs failed, spoiling {dropped} of "
            f"{blocks} {unit} (at most {max_failed_share:.0%} may be lost). Solver said: {shown}. "
            "Narrow the ranges by varying fewer parameters (--parameters), or check that the "
            "scenario runs for the default patient (`neuroimmune run`)."
        )
    keep = np.repeat(good, block)
    y = y[keep]
    x = samples[keep]
    spread = float(np.ptp(y))
    constant = spread <= SOLVER_NOISE * float(np.max(np.abs(y)))
    if method == "sobol":
        columns = ["S1", "S1_conf", "ST", "ST_conf"]
    else:
        columns = ["mu", "mu_star", "mu_star_conf", "sigma"]
    if constant:
        frame = pd.DataFrame(0.0, index=list(problem.names), columns=columns)
    elif method == "sobol":
        from SALib.analyze import sobol

        indices = sobol.analyze(problem.salib(), y, calc_second_order=False,
                                num_resamples=RESAMPLES, conf_level=CONFIDENCE,
                                seed=bootstrap_seed(seed))
        frame = pd.DataFrame({c: np.asarray(indices[c], dtype=float) for c in columns},
                             index=list(problem.names))
    else:
        from SALib.analyze import morris

        indices = morris.analyze(problem.salib(), x, y, num_resamples=RESAMPLES,
                                 conf_level=CONFIDENCE, num_levels=MORRIS_LEVELS,
                                 seed=bootstrap_seed(seed))
        frame = pd.DataFrame({c: np.asarray(indices[c], dtype=float) for c in columns},
                             index=list(problem.names))
    frame.index.name = "parameter"
    return OutcomeIndices(outcome, frame, failed, dropped, int(good.sum()), constant)
