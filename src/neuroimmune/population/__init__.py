"""Virtual populations: sample patients, simulate them at scale, summarise the outcomes.

``sample_patients`` draws patients from the installed population distribution and
covariates; ``run_population`` simulates a scenario for all of them, chunk by chunk,
on a ``PopulationEngine`` (a local Dask process pool by default, a remote cluster by
address, or this process), writing resumable Parquet chunks, merged outcomes, a
summary and figures; ``run_trial`` compares arms over the same eligible patients.
See docs/population.md.

Names are imported on first use, so ``import neuroimmune.population.command`` (done
by the command line at start-up) does not load pandas, pyarrow or Dask.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "ChunkOutput": "chunk",
    "ChunkTask": "chunk",
    "simulate_chunk": "chunk",
    "COVARIATES": "covariates",
    "Covariate": "covariates",
    "PopulationEngine": "engine_base",
    "InProcessEngine": "engine_local",
    "DaskPoolEngine": "engine_pool",
    "METRICS": "outcomes",
    "WindowOutcome": "outcomes",
    "patient_outcomes": "outcomes",
    "PopulationError": "run",
    "PopulationRun": "run",
    "RunSettings": "run",
    "run_population": "run",
    "DistributionError": "sampling",
    "PopulationDistribution": "sampling",
    "load_distribution": "sampling",
    "model_columns": "sampling",
    "patient_overrides": "sampling",
    "sample_patients": "sampling",
    "Trial": "trial",
    "TrialError": "trial",
    "load_trial": "trial",
    "run_trial": "trial",
}

__all__ = [
    "COVARIATES",
    "METRICS",
    "ChunkOutput",
    "ChunkTask",
    "Covariate",
    "DaskPoolEngine",
    "DistributionError",
    "InProcessEngine",
    "PopulationDistribution",
    "PopulationEngine",
    "PopulationError",
    "PopulationRun",
    "RunSettings",
    "Trial",
    "TrialError",
    "WindowOutcome",
    "load_distribution",
    "load_trial",
    "model_columns",
    "patient_outcomes",
    "patient_overrides",
    "run_population",
    "run_trial",
    "sample_patients",
    "simulate_chunk",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from neuroimmune.population.chunk import ChunkOutput, ChunkTask, simulate_chunk
    from neuroimmune.population.covariates import COVARIATES, Covariate
    from neuroimmune.population.engine_base import PopulationEngine
    from neuroimmune.population.engine_local import InProcessEngine
    from neuroimmune.population.engine_pool import DaskPoolEngine
    from neuroimmune.population.outcomes import METRICS, WindowOutcome, patient_outcomes
    from neuroimmune.population.run import PopulationError, PopulationRun, RunSettings, run_population
    from neuroimmune.population.sampling import (
        DistributionError,
        PopulationDistribution,
        load_distribution,
        model_columns,
        patient_overrides,
        sample_patients,
    )
    from neuroimmune.population.trial import Trial, TrialError, load_trial, run_trial
