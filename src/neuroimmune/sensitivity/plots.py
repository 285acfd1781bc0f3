"""The indices figure: one panel per outcome, parameters most influential first.

Sobol: total-order ``ST`` and first-order ``S1`` as bars with their 95% intervals (the
share of the outcome's variance a parameter explains with, and without, its
interactions). Morris: ``mu_star`` with its interval and ``sigma`` (non-linearity and
interactions), in outcome units. It renders a ``SensitivityResult`` and nothing else,
on ``matplotlib.figure.Figure`` (no pyplot state), saved through ``atomic_output``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from neuroimmune.io import atomic_output
from neuroimmune.sensitivity.result import SensitivityResult

DPI = 130
MAX_COLUMNS = 3

BARS = {
    "sobol": (("ST", "ST_conf", "total order ST", "tab:blue"),
              ("S1", "S1_conf", "first order S1", "tab:orange")),
    "morris": (("mu_star", "mu_star_conf", "mu*", "tab:blue"),
               ("sigma", None, "sigma", "tab:gray")),
}
"""Per method: (column, its interval's half-width column, legend label, colour) per bar."""


def plot_indices(result: SensitivityResult, path: str | Path | None = None):
    """Bars of the indices of every outcome; written as PNG to ``path`` when given."""
    from matplotlib.figure import Figure

    count = len(result.outcomes)
    cols = min(count, MAX_COLUMNS)
    rows = math.ceil(count / cols)
    height = 0.75 + 0.28 * len(result.problem)
    fig = Figure(figsize=(4.6 * cols, height * rows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    bars = BARS[result.method]
    width = 0.8 / len(bars)
    for ax, entry in zip(axes, result.outcomes, strict=False):
        names = result.ranking(entry.outcome.label)[::-1]  # most influential at the top
        frame = entry.indices.loc[names]
        y = np.arange(len(names))
        for k, (name, conf, label, colour) in enumerate(bars):
            offset = (len(bars) - 1 - 2 * k) * width / 2
            error = frame[conf].to_numpy() if conf else None
            ax.barh(y + offset, frame[name].to_numpy(), height=width, xerr=error, color=colour,
                    label=label, error_kw={"elinewidth": 0.8, "capsize": 2})
        ax.set_yticks(y, names, fontsize=7)
        ax.axvline(0.0, color="k", lw=0.6)
        ax.tick_params(axis="x", labelsize=7)
        title = entry.outcome.label
        if entry.dropped:
            title += f" ({entry.dropped} of {entry.used + entry.dropped} blocks dropped)"
        if entry.constant:
            title += " (does not vary)"
        ax.set_title(title, fontsize=9)
        if result.method == "sobol":
            ax.set_xlabel("share of output variance", fontsize=8)
        else:
            ax.set_xlabel(f"{entry.outcome.unit} per full range", fontsize=8)
    for ax in axes[count:]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, loc="lower right")
    what = (f"Sobol, N = {result.n} ({len(result.evaluations)} runs)" if result.method == "sobol"
            else f"Morris, {result.n} trajectories ({len(result.evaluations)} runs)")
    fig.suptitle(f"{result.scenario}: {what}, bars show 95% intervals", fontsize=10)
    if path is not None:
        with atomic_output(path, binary=True) as stream:
            fig.savefig(stream, format="png", dpi=DPI)
    return fig
