"""Population figures: fan charts of observables and distributions of outcomes.

They render files a run has written (quantiles, outcomes) and nothing else, on
``matplotlib.figure.Figure`` (no pyplot state), saved through ``atomic_output``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from neuroimmune.io import atomic_output
from neuroimmune.observables import BY_NAME
from neuroimmune.population.outcomes import column
from neuroimmune.scenarios.model import Scenario

FAN_OBSERVABLES: tuple[str, ...] = (
    "TNF_pg_mL", "IL6_pg_mL", "IL10_pg_mL", "CRP_mg_L", "cortisol_nmol_L",
    "microglia_activation", "kynurenine_uM", "serotonin_brain", "fatigue", "hamd",
)
"""The signal path from cytokines through the HPA axis and brain to symptoms."""

HISTOGRAM_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("TNF_pg_mL", "peak"), ("IL6_pg_mL", "peak"), ("cortisol_nmol_L", "peak"),
    ("CRP_mg_L", "peak"), ("fatigue", "auc"), ("hamd", "peak"),
)

LOG_SPAN = 100.0
"""An axis whose positive data span more than this factor is drawn on a log scale."""

DPI = 130
MAX_BINS = 40


def _save(fig, path: Path) -> None:
    with atomic_output(path, binary=True) as stream:
        fig.savefig(stream, format="png", dpi=DPI)


def _grid(count: int) -> tuple[int, int]:
    cols = min(count, 5 if count > 6 else 3)
    return math.ceil(count / cols), cols


def plot_fan_chart(quantiles: pd.DataFrame, scenario: Scenario, path: Path | None = None):
    """Median, 50% and 90% bands over time of the key observables."""
    from matplotlib.figure import Figure

    names = [n for n in FAN_OBSERVABLES if n in set(quantiles["observable"])]
    rows, cols = _grid(max(len(names), 1))
    fig = Figure(figsize=(3.4 * cols, 2.7 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    in_days = scenario.duration_h > 72
    for ax, name in zip(axes, names, strict=False):
        block = quantiles[quantiles["observable"] == name]
        x = block["time_h"].to_numpy() / (24.0 if in_days else 1.0)
        ax.fill_between(x, block["q05"], block["q95"], color="tab:blue", alpha=0.2, lw=0,
                        label="90% of patients")
        ax.fill_between(x, block["q25"], block["q75"], color="tab:blue", alpha=0.4, lw=0,
                        label="50% of patients")
        ax.plot(x, block["q50"], color="tab:blue", lw=1.5, label="median")
        ax.set_title(name, fontsize=9)
        ax.set_ylabel(BY_NAME[name].unit, fontsize=8)
        ax.set_xlabel("days" if in_days else "hours", fontsize=8)
        ax.tick_params(labelsize=7)
        positive = block["q95"].to_numpy()
        if np.nanmin(block["q05"]) > 0 and np.nanmax(positive) / np.nanmin(block["q05"]) > LOG_SPAN:
            ax.set_yscale("log")
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if names:
        axes[0].legend(fontsize=7, loc="best")
    fig.suptitle(f"{scenario.name}: virtual population", fontsize=11)
    if path is not None:
        _save(fig, Path(path))
    return fig


def plot_outcome_histograms(outcomes: Path | pd.DataFrame, scenario: Scenario,
                            path: Path | None = None):
    """Distributions across patients of a few headline outcomes."""
    from matplotlib.figure import Figure

    wanted = [column(o, m) for o, m in HISTOGRAM_OUTCOMES]
    if isinstance(outcomes, pd.DataFrame):
        frame = outcomes[[c for c in wanted if c in outcomes]]
    else:
        import pyarrow.parquet as pq

        present = set(pq.read_schema(outcomes).names)
        frame = pd.read_parquet(outcomes, columns=[c for c in wanted if c in present])
    rows, cols = _grid(max(len(frame.columns), 1))
    fig = Figure(figsize=(3.6 * cols, 2.8 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, name in zip(axes, frame.columns, strict=False):
        values = frame[name].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        observable, metric = name.split(".", 1)
        unit = BY_NAME[observable].unit
        unit = f"({unit})*h" if metric == "auc" else unit
        bins = int(np.clip(np.sqrt(values.size), 10, MAX_BINS))
        if values.size and values.min() > 0 and values.max() / values.min() > LOG_SPAN:
            ax.hist(values, bins=np.geomspace(values.min(), values.max(), bins), color="tab:blue")
            ax.set_xscale("log")
        elif values.size:
            ax.hist(values, bins=bins, color="tab:blue")
        if values.size:
            ax.axvline(np.median(values), color="k", lw=1, ls="--", label="median")
        ax.set_title(f"{observable}: {metric}", fontsize=9)
        ax.set_xlabel(unit, fontsize=8)
        ax.set_ylabel("patients", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(frame.columns):]:
        ax.set_visible(False)
    fig.suptitle(f"{scenario.name}: outcomes across {len(frame)} patients", fontsize=11)
    if path is not None:
        _save(fig, Path(path))
    return fig
