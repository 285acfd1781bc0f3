"""Figures of the scorecard: each finding's time courses, its window and the human data."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from neuroimmune.evidence.datafiles import DataNotFoundError, data_path
from neuroimmune.evidence.measure import NotModelled, ProtocolRuns, trial_results
from neuroimmune.io import atomic_output
from neuroimmune.observables import BY_NAME

LONG_FORMAT_NAMES = {"TNF": "TNF_pg_mL", "IL6": "IL6_pg_mL", "temperature": "temperature_C",
                     "heart_rate": "heart_rate_bpm"}
"""Observable names of the long-format data files, as the model calls them."""


@cache
def _data_table(file: str) -> pd.DataFrame | None:
    try:
        return pd.read_csv(data_path(file))
    except DataNotFoundError:
        return None


def _data_points(file: str, observable: str) -> pd.DataFrame | None:
    """(time_h, value) rows of a data file for one observable; None when it has none."""
    table = _data_table(file)
    if table is None:
        return None
    if observable in table.columns:  # wide, one row per subject and time
        return table[["subject", "time_h", observable]].rename(columns={observable: "value"})
    if "observable" in table.columns:
        rows = table[table["observable"].map(LONG_FORMAT_NAMES.get) == observable]
        if len(rows):
            return rows.rename(columns={"mean": "value"})[["time_h", "value", "spread"]]
    return None


def _save(fig, path: Path) -> None:
    with atomic_output(path, binary=True) as stream:
        fig.savefig(stream, format="png", dpi=90, metadata={"Software": None})


def _plot_trial(score, runs: ProtocolRuns, path: Path) -> bool:
    """Each arm's outcome with its bootstrap 95% interval."""
    from matplotlib.figure import Figure

    reading = score.finding.trial
    arms = trial_results(runs.trials[reading.trial], reading.stratum)[reading.outcome]["arms"]
    names = list(arms)
    values = [arms[n]["value"] for n in names]
    if any(v is None for v in values):
        return False
    intervals = [[v if c is None else c for c in arms[n]["ci95"]] for n, v in zip(names, values, strict=True)]
    low = [v - lo for v, (lo, _) in zip(values, intervals, strict=True)]
    high = [hi - v for v, (_, hi) in zip(values, intervals, strict=True)]
    fig = Figure(figsize=(5, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.bar(range(len(names)), values, yerr=[low, high], color="tab:blue", alpha=0.7, capsize=4)
    ax.set_xticks(range(len(names)), names, fontsize=7)
    ax.set_ylabel(f"{reading.outcome}" + (f" ({reading.stratum})" if reading.stratum else ""))
    ax.set_title(f"{score.finding.id}: {score.status}", fontsize=9)
    _save(fig, path)
    return True


def plot_finding(score, runs: ProtocolRuns, path: Path) -> bool:
    """Draw a finding's time courses; return False (no file) when it is not modelled."""
    from matplotlib.figure import Figure

    finding = score.finding
    if finding.trial is not None:
        return _plot_trial(score, runs, path)
    readings = [finding.reading] + ([finding.reference] if finding.reference else [])
    try:
        series = [runs.series(r.protocol, r.observable) for r in readings]
    except NotModelled:
        return False
    fig = Figure(figsize=(5, 3.2), layout="constrained")
    ax = fig.subplots()
    drawn = set()
    for reading, values, colour in zip(readings, series, ("tab:blue", "tab:gray"), strict=False):
        result = runs[reading.protocol]
        if (reading.protocol, reading.observable) not in drawn:
            ax.plot(result.time_h, values, color=colour, lw=1.5,
                    label=f"{reading.protocol}: {reading.observable}")
            drawn.add((reading.protocol, reading.observable))
        start, end = reading.window
        end = min(end, float(result.time_h[-1]))
        if end > start:
            ax.axvspan(start, end, color=colour, alpha=0.1)
        else:
            ax.axvline(start, color=colour, ls=":", lw=1)
    if finding.data:
        points = _data_points(finding.data, finding.reading.observable)
        if points is not None and "subject" in points:
            for _, subject in points.groupby("subject"):
                ax.plot(subject["time_h"], subject["value"], color="tab:orange", lw=0.6, alpha=0.6)
            ax.plot([], [], color="tab:orange", lw=0.6, label="human subjects")
        elif points is not None:
            ax.errorbar(points["time_h"], points["value"], yerr=points["spread"], fmt="o",
                        color="tab:orange", ms=3, label="human mean (SE)")
    ax.set_xlim(0, max(float(runs[r.protocol].time_h[-1]) for r in readings))
    known = BY_NAME.get(finding.reading.observable)
    unit = known.unit if known else ""
    ax.set(xlabel="time from protocol start (h)",
           ylabel=f"{finding.reading.observable}" + (f" ({unit})" if unit else ""))
    ax.set_title(f"{finding.id}: {score.status}", fontsize=9)
    ax.legend(fontsize=6)
    _save(fig, path)
    return True
