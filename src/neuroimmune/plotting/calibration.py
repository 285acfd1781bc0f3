"""Figures of a calibration: waterfall of the starts, model over data, posterior widths."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neuroimmune.io import atomic_output
from neuroimmune.observables import BY_NAME

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from neuroimmune.calibration.fit import FitResult

DPI = 150


def _save(fig: Figure, path: Path | None) -> Figure:
    if path is not None:
        with atomic_output(path, binary=True) as stream:
            fig.savefig(stream, format="png", dpi=DPI)
    return fig


def plot_waterfall(fit: FitResult, path: Path | None = None) -> Figure:
    """Sorted final objective of every start: a plateau at the left means a found optimum."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    values = np.sort(fit.starts_nll[np.isfinite(fit.starts_nll)])
    ax.plot(np.arange(1, values.size + 1), values - values[0] + 1, "o-")
    ax.set_yscale("log")
    ax.set_xlabel("start (sorted by final objective)")
    ax.set_ylabel("NLL - best NLL + 1")
    ax.set_title(f"{fit.problem.name}: {fit.n_starts} starts, seed {fit.seed}")
    return _save(fig, path)


def plot_fit(fit: FitResult, predictions: dict[str, np.ndarray], times: np.ndarray,
             path: Path | None = None, extra_data=None) -> Figure:
    """Model at the best fit over every subject's data (and held-out data, if given)."""
    from matplotlib.figure import Figure

    data = fit.problem.dataset.measurements
    observables = sorted(data["observable"].unique())
    fig = Figure(figsize=(4.2 * len(observables), 3.8), layout="constrained")
    axes = fig.subplots(1, len(observables), squeeze=False)[0]
    for ax, observable in zip(axes, observables, strict=True):
        for _, rows in data[data["observable"] == observable].groupby("subject"):
            ax.plot(rows["time_h"], rows["value"], color="0.75", lw=0.8)
        ax.plot([], [], color="0.75", lw=0.8, label="calibration subjects")
        if extra_data is not None:
            held = extra_data[extra_data["observable"] == observable]
            for _, rows in held.groupby("subject"):
                ax.plot(rows["time_h"], rows["value"], color="tab:orange", lw=0.8, ls="--")
            ax.plot([], [], color="tab:orange", ls="--", label="held-out subjects")
        ax.plot(times, predictions[observable], color="tab:blue", lw=2.2, label="model")
        unit = BY_NAME[observable].unit
        ax.set_yscale("log")
        ax.set_xlabel("time since challenge (h)")
        ax.set_ylabel(f"{BY_NAME[observable].description} ({unit})")
        ax.legend(fontsize=8)
    fig.suptitle(f"{fit.problem.name}: best fit (NLL {fit.best_nll:.1f})")
    return _save(fig, path)


def plot_posterior(names: list[str], samples: np.ndarray, lower, upper,
                   path: Path | None = None) -> Figure:
    """Marginal posterior of each parameter (log10) within its plausible range."""
    from matplotlib.figure import Figure

    columns = 4
    rows = int(np.ceil(len(names) / columns))
    fig = Figure(figsize=(3.2 * columns, 2.4 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        if i >= len(names):
            ax.set_visible(False)
            continue
        ax.hist(samples[:, i], bins=40, range=(lower[i], upper[i]), color="tab:blue")
        ax.set_xlim(lower[i], upper[i])
        ax.set_title(names[i], fontsize=9)
        ax.set_xlabel("log10 value (plausible range)", fontsize=8)
        ax.set_yticks([])
    return _save(fig, path)
