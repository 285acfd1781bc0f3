"""Figures of a calibration: waterfall of the starts, model over data, profiles, chains, posterior."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neuroimmune.io import atomic_output
from neuroimmune.observables import BY_NAME

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from neuroimmune.calibration.fit import FitResult
    from neuroimmune.calibration.profiles import Profile
    from neuroimmune.calibration.sampling import Chains
    from neuroimmune.calibration.targets import FindingTarget

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


def plot_targets(targets: list[FindingTarget], values: dict[str, float],
                 path: Path | None = None) -> Figure:
    """Each calibration finding from another protocol: the study's value and acceptance
    range beside the model's value at the best fit (one row per finding)."""
    from matplotlib.figure import Figure

    logarithmic = all(t.logarithmic for t in targets)
    shown = [v for t in targets for v in (t.finding.accept_min, t.finding.accept_max,
                                            t.finding.human.value, values[t.finding.id])
             if v is not None and np.isfinite(v) and (v > 0 or not logarithmic)]
    span = (min(shown) / 3, max(shown) * 3) if logarithmic else (min(shown) - 1, max(shown) + 1)
    fig = Figure(figsize=(7.5, 0.6 * len(targets) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    for row, target in enumerate(targets):
        finding = target.finding
        low = finding.accept_min if np.isfinite(finding.accept_min) else span[0]
        high = finding.accept_max if np.isfinite(finding.accept_max) else span[1]
        ax.plot([low, high], [row, row], color="0.75", lw=8, solid_capstyle="butt",
                label="acceptance" if row == 0 else None)
        human = finding.human.value
        if human is not None and (human > 0 or not logarithmic):
            ax.plot(human, row, "s", color="black", label="study" if row == 0 else None)
        ax.plot(values[finding.id], row, "o", color="tab:red", label="model" if row == 0 else None)
    ax.set_yticks(range(len(targets)), [t.finding.id for t in targets])
    ax.set_ylim(-0.7, len(targets) - 0.3)
    ax.set_xlim(*span)
    if logarithmic:
        ax.set_xscale("log")
    ax.set_xlabel("statistic (a ratio to the reference reading)" if logarithmic else "statistic")
    ax.set_title("Calibration findings from other protocols, at the best fit")
    ax.legend(loc="best", fontsize="small")
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


def _panels(n: int, columns: int = 4, size: tuple[float, float] = (3.2, 2.4)):
    from matplotlib.figure import Figure

    columns = min(columns, n)
    rows = int(np.ceil(n / columns))
    fig = Figure(figsize=(size[0] * columns, size[1] * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def plot_profiles(profiles: list[Profile], path: Path | None = None) -> Figure:
    """Profile NLL rise against log10 value, with the 95% threshold, range and best fit."""
    from neuroimmune.calibration.profiles import THRESHOLD

    fig, axes = _panels(len(profiles))
    for ax, p in zip(axes, profiles, strict=True):
        order = np.argsort(p.x)
        ax.plot(p.x[order], p.delta_nll[order], "o-", ms=2.5, color="tab:blue")
        ax.axhline(THRESHOLD, color="tab:red", lw=0.9, ls="--")
        ax.axvspan(p.lower, p.upper, color="0.93", zorder=0)
        ax.axvline(p.best, color="0.3", lw=0.9, ls=":")
        ax.set_xlim(p.lower - 0.02 * (p.upper - p.lower), p.upper + 0.02 * (p.upper - p.lower))
        ax.set_ylim(-0.2, max(3 * THRESHOLD, min(float(np.nanmax(p.delta_nll)), 10 * THRESHOLD)))
        ax.set_title(f"{p.name}\n{p.verdict()}", fontsize=8)
        ax.set_xlabel("log10 value (grey: plausible range)", fontsize=7)
        ax.set_ylabel("NLL - best NLL", fontsize=7)
        ax.tick_params(labelsize=7)
    fig.suptitle(f"Profile likelihoods (dashed: 95% threshold {THRESHOLD:.2f}; dotted: best fit)",
                 fontsize=10)
    return _save(fig, path)


def plot_chains(chains: Chains, lower, upper, path: Path | None = None) -> Figure:
    """Trace of every chain per parameter, burn-in shaded: chains that disagree show here."""
    fig, axes = _panels(len(chains.names), size=(3.6, 2.2))
    steps = np.arange(chains.traces.shape[1])
    stride = max(1, steps.size // 2000)  # a readable line, not every sample
    for i, ax in enumerate(axes):
        for c in range(chains.traces.shape[0]):
            ax.plot(steps[::stride], chains.traces[c, ::stride, i], lw=0.5,
                    label=f"chain {c + 1}")
        ax.axvspan(0, chains.burn_in, color="0.9", zorder=0)
        ax.set_ylim(lower[i], upper[i])
        ax.set_title(chains.names[i], fontsize=8)
        ax.set_xlabel("sample (grey: burn-in)", fontsize=7)
        ax.set_ylabel("log10 value", fontsize=7)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=6, loc="upper right")
    fig.suptitle(f"{chains.traces.shape[0]} adaptive-Metropolis chains, y-axis: plausible range",
                 fontsize=10)
    return _save(fig, path)
