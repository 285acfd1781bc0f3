"""The data-set report: the model over every data set, each marked calibration or held out.

``write_report(out)`` writes ``report.md`` with figures beside it: the cohort with the
calibration subjects, the held-out subjects and the population's 90% prediction band;
the cortisol rhythm; observed-versus-predicted plots with their log-scale errors.
``compute_report`` simulates, ``render_report`` only formats, so a committed report can
be checked for staleness. The findings of the evidence table are the scorecard's
(``neuroimmune.evidence.scorecard``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

import neuroimmune as ni
from neuroimmune.calibration.datasets import DataSet, all_datasets
from neuroimmune.calibration.files import installed_folder
from neuroimmune.io import atomic_output, write_atomically
from neuroimmune.model.compose import compose
from neuroimmune.observables import BY_NAME

VIRTUAL_PATIENTS = 200
"""Draws from the installed population distribution for the prediction band."""

BAND = (5, 95)


def _population() -> dict | None:
    path = installed_folder("population") / "lps_cohort.toml"
    if not path.exists():
        return None
    return tomllib.loads(path.read_text(encoding="utf-8"))["distribution"]


def population_band(times: np.ndarray, seed: int = 0) -> dict[str, np.ndarray] | None:
    """5th-95th percentile of the cohort observables across sampled virtual patients."""
    distribution = _population()
    if distribution is None:
        return None
    names = distribution["names"]
    mean = np.array(distribution["log10_mean"])
    sd = np.array(distribution["log10_sd"])
    covariance = np.array(distribution["correlation"]) * np.outer(sd, sd)
    ranges = compose().parameters
    draws = np.random.default_rng(seed).multivariate_normal(mean, covariance, VIRTUAL_PATIENTS)
    scenario = replace(ni.load_scenario("lps_2ngkg"), duration_h=float(times[-1]),
                       output_step_h=float(times[1] - times[0]))
    runs = {o: [] for o in ("TNF_pg_mL", "IL6_pg_mL", "IL10_pg_mL")}
    for draw in draws:
        values = {n: float(np.clip(10**v, ranges[n].low, ranges[n].high))
                  for n, v in zip(names, draw, strict=True)}
        result = ni.simulate(scenario, **values)
        for observable, series in runs.items():
            series.append(np.interp(times, result.time_h, result[observable]))
    return {o: np.percentile(np.array(s), BAND, axis=0) for o, s in runs.items()}


def _errors(dataset: DataSet, result: ni.SimulationResult) -> dict[str, float]:
    """Root mean square log10 error of the model against each observable of a data set."""
    errors = {}
    for observable, rows in dataset.measurements.groupby("observable"):
        model = np.interp(rows["time_h"], result.time_h, result[observable])
        errors[observable] = float(np.sqrt(np.mean(np.log10(model / rows["value"]) ** 2)))
    return errors


def _save(fig, path: Path) -> None:
    with atomic_output(path, binary=True) as stream:
        fig.savefig(stream, format="png", dpi=130)


def _cohort_figure(calibration: DataSet, held_out: DataSet, result, band, path: Path) -> None:
    from matplotlib.figure import Figure

    observables = ["TNF_pg_mL", "IL6_pg_mL", "IL10_pg_mL"]
    fig = Figure(figsize=(13, 4), layout="constrained")
    for ax, observable in zip(fig.subplots(1, 3), observables, strict=True):
        for data, style, label in ((calibration, dict(color="0.7", lw=0.8), "calibration"),
                                   (held_out, dict(color="tab:orange", lw=1.2, ls="--"),
                                    "held out")):
            rows = data.measurements[data.measurements["observable"] == observable]
            for _, subject in rows.groupby("subject"):
                ax.plot(subject["time_h"], subject["value"], **style)
            ax.plot([], [], **style, label=f"{label} subjects")
        if band is not None:
            ax.fill_between(result.time_h, *band[observable], color="tab:blue", alpha=0.2,
                            label="population 90% band")
        ax.plot(result.time_h, result[observable], color="tab:blue", lw=2, label="model")
        ax.set_yscale("log")
        ax.set_xlabel("time since 2 ng/kg LPS (h)")
        ax.set_xlim(0, 8)
        ax.set_ylabel(f"{BY_NAME[observable].description} ({BY_NAME[observable].unit})")
        ax.legend(fontsize=7)
    _save(fig, path)


def _observed_predicted(datasets, results, path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 5), layout="constrained")
    ax = fig.subplots()
    for dataset, colour in zip(datasets, ("0.5", "tab:orange", "tab:green"), strict=False):
        result = results[dataset.name]
        rows = dataset.measurements
        predicted = [np.interp(t, result.time_h, result[o])
                     for t, o in zip(rows["time_h"], rows["observable"], strict=True)]
        ax.scatter(rows["value"], predicted, s=10, color=colour,
                   label=f"{dataset.name} ({dataset.role})")
    lims = [0.1, 5000]
    ax.plot(lims, lims, color="k", lw=0.8)
    ax.set(xscale="log", yscale="log", xlim=lims, ylim=lims, xlabel="observed",
           ylabel="model")
    ax.legend(fontsize=7)
    _save(fig, path)


def _cortisol_figure(dataset: DataSet, path: Path) -> None:
    from matplotlib.figure import Figure

    result = ni.simulate("baseline")
    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ax = fig.subplots()
    clock = result.time_h + result.scenario.clock_start_h
    ax.plot(clock, result["cortisol_nmol_L"], color="tab:blue", label="model")
    rows = dataset.measurements
    ax.scatter(rows["time_h"] + dataset.clock_start_h, rows["value"], color="k", zorder=3,
               label=f"{dataset.name} ({dataset.role})")
    ax.set(xlabel="clock time (h since midnight of day 0)", ylabel="cortisol (nmol/L)")
    ax.legend(fontsize=8)
    _save(fig, path)


@dataclass(frozen=True)
class ReportData:
    """What the data-set report shows: every data set beside the model's current defaults."""

    datasets: dict[str, DataSet]
    results: dict[str, ni.SimulationResult]
    band: dict[str, np.ndarray] | None
    coverage: float | None


def compute_report() -> ReportData:
    """Simulate the protocols of every data set and the population band over the cohort."""
    datasets = {d.name: d for d in all_datasets()}
    lps = ni.simulate("lps_2ngkg")
    results = {name: lps for name in datasets if name.startswith("lps")}
    results["cortisol_rhythm"] = ni.simulate("baseline")
    window = lps.time_h[lps.time_h <= 8.0]
    band = population_band(window)
    if band is not None:
        band = {o: np.concatenate([b, np.repeat(b[:, -1:], lps.time_h.size - window.size, 1)],
                                  axis=1) for o, b in band.items()}
    held_out = datasets["lps_2ngkg_cohort_validation"]
    coverage = _coverage(held_out, lps, band) if band is not None else None
    return ReportData(datasets, results, band, coverage)


def render_report(data: ReportData) -> str:
    """The report's Markdown (numbers and links only: deterministic for a given model)."""
    rows = []
    for dataset in data.datasets.values():
        for observable, error in _errors(dataset, data.results[dataset.name]).items():
            rows.append(f"| {dataset.name} | {dataset.role} | {observable} | {error:.3f} |")
    coverage = data.coverage
    return "\n".join([
        "# Data-set report",
        "",
        "> Generated by `neuroimmune validate`; `tests/validation/test_evidence.py` fails when it",
        "> is stale. The findings of the evidence table are scored in `scorecard.md`.",
        "",
        "Every data set in the repository, with the model's current defaults over it.",
        "Data marked *calibration* were used to fit parameters and are not evidence that",
        "the model is right; data marked *validation* were held out from every fit.",
        "",
        "| data set | role | observable | RMS log10 error |",
        "|---|---|---|---|",
        *rows,
        "",
        "## Endotoxin cohort (2 ng/kg)",
        "",
        "![cohort](cohort.png)",
        "",
        ("Held-out measurements inside the population's 90% band: "
         f"{coverage:.0%}." if coverage is not None else
         "No population distribution is installed (run `neuroimmune calibrate lps_cohort "
         "--population --install`)."),
        "",
        "## Cortisol rhythm",
        "",
        "![cortisol](cortisol.png)",
        "",
        "## Observed versus predicted",
        "",
        "![observed versus predicted](observed_predicted.png)",
        "",
        "Every parameter with its value, unit, range and source: `docs/model.md`",
        "(`neuroimmune parameters`).",
        "",
        "Data sources: " + "; ".join(f"{d.name}: {d.source}" for d in data.datasets.values()),
        "",
    ])


def write_report(out: Path) -> Path:
    """Write the report and its figures into ``out``; return the report's path."""
    out.mkdir(parents=True, exist_ok=True)
    data = compute_report()
    lps = data.results["lps_2ngkg_cohort_calibration"]
    _cohort_figure(data.datasets["lps_2ngkg_cohort_calibration"],
                   data.datasets["lps_2ngkg_cohort_validation"], lps, data.band, out / "cohort.png")
    _cortisol_figure(data.datasets["cortisol_rhythm"], out / "cortisol.png")
    _observed_predicted(list(data.datasets.values()), data.results, out / "observed_predicted.png")
    path = out / "report.md"
    write_atomically(path, render_report(data))
    return path


def _coverage(held_out: DataSet, result, band) -> float:
    inside = []
    for _, row in held_out.measurements.iterrows():
        low = np.interp(row["time_h"], result.time_h, band[row["observable"]][0])
        high = np.interp(row["time_h"], result.time_h, band[row["observable"]][1])
        inside.append(low <= row["value"] <= high)
    return float(np.mean(inside))

