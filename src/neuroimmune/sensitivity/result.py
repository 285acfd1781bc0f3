"""What a sensitivity analysis returns, and the files it writes.

``SensitivityResult.indices`` holds one DataFrame per outcome, indexed by parameter:
for Sobol the columns ``S1``, ``S1_conf``, ``ST``, ``ST_conf``; for Morris ``mu``,
``mu_star``, ``mu_star_conf``, ``sigma``. A ``*_conf`` column is the half-width of the
95% bootstrap confidence interval. ``write`` puts them in ``indices.csv`` (long
format, one row per outcome and parameter), ``summary.json`` (settings, ranges,
failures, rankings) and ``evaluations.parquet`` (every sample and its outcomes).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from neuroimmune.sensitivity.problem import Outcome, SensitivityProblem

RANKED_BY = {"sobol": "ST", "morris": "mu_star"}
"""The column that orders parameters by influence, per method."""


@dataclass(frozen=True)
class OutcomeIndices:
    """The indices of one outcome, and how many model runs went into them.

    ``failed``: evaluations whose outcome was NaN (the solver failed, or the observable
    was not finite); ``dropped``: base samples (Sobol) or trajectories (Morris) left
    out because they held such an evaluation; ``used``: those analysed. ``constant``:
    the outcome did not vary beyond solver noise, so every index is zero.
    """

    outcome: Outcome
    indices: pd.DataFrame
    failed: int
    dropped: int
    used: int
    constant: bool = False


@dataclass(frozen=True)
class SensitivityResult:
    """Indices per outcome, with the samples and settings that produced them."""

    method: str
    scenario: str
    problem: SensitivityProblem
    n: int
    seed: int
    outcomes: tuple[OutcomeIndices, ...]
    evaluations: pd.DataFrame
    seconds: float
    engine: str
    errors: tuple[str, ...] = ()
    scenario_values_replaced: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def indices(self) -> dict[str, pd.DataFrame]:
        """Outcome label (``"TNF_pg_mL:peak"``) -> indices indexed by parameter."""
        return {o.outcome.label: o.indices for o in self.outcomes}

    @property
    def ranked_by(self) -> str:
        return RANKED_BY[self.method]

    def ranking(self, outcome: str) -> list[str]:
        """Parameters of ``outcome`` (a label), most influential first."""
        frame = self.indices[outcome]
        return list(frame[self.ranked_by].sort_values(ascending=False, kind="stable").index)

    @property
    def failed_evaluations(self) -> int:
        error = self.evaluations["error"]
        return int((error != "").sum())

    def table(self) -> pd.DataFrame:
        """All indices in long format: one row per outcome and parameter."""
        frames = []
        for entry in self.outcomes:
            frame = entry.indices.reset_index(names="parameter")
            frame.insert(0, "outcome", entry.outcome.label)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> dict[str, Any]:
        from importlib.metadata import version

        blocks = "base_samples" if self.method == "sobol" else "trajectories"
        return {
            "method": self.method, "scenario": self.scenario, "n": self.n, "seed": self.seed,
            "evaluations": len(self.evaluations), "failed_evaluations": self.failed_evaluations,
            "errors": list(self.errors), "seconds": round(self.seconds, 3), "engine": self.engine,
            "salib_version": version("SALib"), "settings": self.settings,
            "scenario_patient_values_replaced": list(self.scenario_values_replaced),
            "parameters": [
                {"name": p.name, "low": p.low, "high": p.high, "distribution": p.distribution,
                 "unit": p.unit, "subsystem": p.subsystem, "default": p.default}
                for p in self.problem.parameters
            ],
            "outcomes": {
                entry.outcome.label: {
                    "unit": entry.outcome.unit, "failed_evaluations": entry.failed,
                    f"{blocks}_dropped": entry.dropped, f"{blocks}_used": entry.used,
                    "constant": entry.constant, "ranked_by": self.ranked_by,
                    "ranking": self.ranking(entry.outcome.label),
                    "indices": {name: {k: _number(v) for k, v in row.items()}
                                for name, row in entry.indices.to_dict("index").items()},
                }
                for entry in self.outcomes
            },
        }

    def write(self, out: str | Path) -> None:
        """``indices.csv``, ``summary.json`` and ``evaluations.parquet`` in ``out``, atomically."""
        from neuroimmune.io import atomic_output, write_atomically

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        write_atomically(out / "indices.csv", self.table().to_csv(index=False, float_format="%.10g"))
        write_atomically(out / "summary.json",
                         json.dumps(self.summary(), indent=2, allow_nan=False) + "\n")
        with atomic_output(out / "evaluations.parquet", binary=True) as stream:
            self.evaluations.to_parquet(stream, index=False)


def _number(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None
