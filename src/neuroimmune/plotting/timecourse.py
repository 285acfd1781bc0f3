"""The overview figure of one simulation: every observable, by subsystem, with the doses.

It renders a ``SimulationResult`` and nothing else (no simulation, no analysis), so the
CLI, notebooks and reports all draw the same picture. Matplotlib is imported inside
the function and the figure is built on ``matplotlib.figure.Figure`` directly: no
pyplot global state and no backend chosen at import, so importing ``neuroimmune``
stays cheap and never touches a display.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neuroimmune.io import atomic_output
from neuroimmune.observables import BY_NAME, OBSERVABLES
from neuroimmune.plotting.interventions import InterventionMark, intervention_marks

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from neuroimmune.result import SimulationResult

PANEL_ORDER: tuple[str, ...] = (
    "Pathogen", "Cytokines", "Vital signs", "HPA axis", "Brain", "Tryptophan", "Gut", "Symptoms",
)
"""Panels follow the signal: infection -> cytokines -> fever -> HPA -> brain, then the
tryptophan, gut and symptom read-outs."""

LOG_PANELS = frozenset({"Pathogen", "Cytokines"})
"""Pathogen load and cytokines span several orders of magnitude within hours."""

LOG_DECADES_SHOWN = 4
"""A log axis shows at most this many decades below its maximum; lower values (and
zeros, which a log axis cannot draw) are clipped to that floor. Assay detection limits
sit about 3-4 decades below peak cytokine levels, so nothing measurable is lost."""

FAR_FROM_ZERO = frozenset({"temperature_C", "heart_rate_bpm"})
"""Vital signs move by a few percent around a large resting value: an axis from zero
would flatten a fever, so theirs fits the data."""

SOLVER_DUST = 1e-9
"""Values below this are integration noise around an absent quantity (a pathogen that
was never given), not data: a log axis treats them as zero."""

LOG_RANGE_IF_ALL_ZERO = (1e-3, 1.0)
"""Log-axis range when every series on it is zero (e.g. no pathogen was given)."""

SPARSE_MARKS_MAX = 10
"""An agent with at most this many marks is also drawn across the data panels, linking
each dose to the response; denser schedules (a daily tablet for weeks) would bury the
curves, so they appear only in the interventions timeline."""

DAYS_AFTER_H = 72.0
"""Runs longer than this read more easily in days than in hours."""

PNG_DPI = 150
_LOG_PAD = 1.5  # headroom below the lowest point of a log axis, as a factor

_SHORT_LABELS: dict[str, str] = {
    "pathogen": "pathogen load",
    "LPS_plasma_pg_mL": "plasma LPS",
    "TNF_pg_mL": "TNF-\u03b1",
    "IL6_pg_mL": "IL-6",
    "IL1b_pg_mL": "IL-1\u03b2",
    "IL10_pg_mL": "IL-10",
    "CRP_mg_L": "CRP",
    "ex_vivo_TNF_pg_mL": "ex vivo TNF-\u03b1",
    "temperature_C": "temperature",
    "heart_rate_bpm": "heart rate",
    "ACTH_pg_mL": "ACTH",
    "cortisol_nmol_L": "cortisol",
    "BBB_permeability": "BBB permeability",
    "microglia_activation": "activated microglia",
    "brain_cytokines": "brain cytokines",
    "tryptophan_uM": "tryptophan",
    "kynurenine_uM": "kynurenine",
    "serotonin_brain": "brain serotonin",
    "commensals": "commensals",
    "pathobionts": "pathobionts",
    "SCFA": "SCFA",
    "gut_permeability": "gut permeability",
    "fatigue": "fatigue",
    "depressed_mood": "depressed mood",
    "anxiety": "anxiety",
    "cognitive_impairment": "cognitive impairment",
    "hamd": "HAM-D 17",
}

_AGENT_COLOURS: dict[str, str] = {
    "lps": "#8c510a", "bacteria": "#bf812d", "virus": "#762a83", "ifn_alpha": "#9970ab",
    "hydrocortisone": "#1b7837", "dexamethasone": "#5aae61", "infliximab": "#2166ac",
    "tocilizumab": "#4393c3", "sertraline": "#c51b7d", "paroxetine": "#de77ae",
    "antibiotic": "#4d4d4d", "probiotic": "#35978f", "nsaid": "#e08214", "vns": "#01665e",
    "stressor": "#b2182b", "stress_reduction": "#80cdc1",
}
"""Fixed per agent, so the same drug has the same colour in every figure of a talk."""

_FALLBACK_AGENT_COLOURS = ("#666666", "#a6761d", "#7570b3", "#e7298a")


def _agent_colour(agent: str, others: list[str]) -> str:
    if agent in _AGENT_COLOURS:
        return _AGENT_COLOURS[agent]
    return _FALLBACK_AGENT_COLOURS[others.index(agent) % len(_FALLBACK_AGENT_COLOURS)]


def _clock(hours: float) -> str:
    minutes = round((hours % 24.0) * 60.0) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _log_floor(series: Sequence[np.ndarray]) -> float | None:
    """The smallest positive value, but no lower than ``LOG_DECADES_SHOWN`` below the top.

    None when nothing is positive. Hugging the data keeps a slowly varying series
    (IL-6 between 1 and 5 pg/mL over weeks) from being squashed against the top.
    """
    positive = np.concatenate([y[np.isfinite(y) & (y > SOLVER_DUST)] for y in series])
    if positive.size == 0:
        return None
    return max(float(positive.min()), float(positive.max()) / 10.0**LOG_DECADES_SHOWN)


def _draw_series(ax: Axes, x: np.ndarray, names: list[str], values: dict[str, np.ndarray],
                 log: bool, colours: list[str], linestyle: str) -> list[Line2D]:
    """Plot ``names`` on ``ax``; return the line handles for the panel legend."""
    series = [np.asarray(values[n], dtype=float) for n in names]
    floor = _log_floor(series) if log else None
    clip = LOG_RANGE_IF_ALL_ZERO[0] if floor is None else floor
    lines = []
    for name, y, colour in zip(names, series, colours, strict=True):
        shown = np.maximum(y, clip) if log else y
        (line,) = ax.plot(x, shown, color=colour, linestyle=linestyle, linewidth=2.0,
                          label=_SHORT_LABELS.get(name, name))
        lines.append(line)
    if log:
        from matplotlib.ticker import FuncFormatter, LogFormatter

        ax.set_yscale("log")
        # Plain numbers (0.01, 1, 1000 pg/mL) read faster in a talk than 10^x notation;
        # LogFormatter labels minor ticks only when an axis spans few decades.
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False))
        if floor is None:
            ax.set_ylim(*LOG_RANGE_IF_ALL_ZERO)
        else:
            ax.set_ylim(bottom=floor / _LOG_PAD)
    elif FAR_FROM_ZERO.isdisjoint(names) and all(np.nanmin(y) >= 0 for y in series
                                                  if np.isfinite(y).any()):
        ax.set_ylim(bottom=0.0)
    return lines


def _scaled_to_max(y: np.ndarray) -> np.ndarray:
    finite = np.abs(y[np.isfinite(y)])
    peak = float(finite.max()) if finite.size else 0.0
    return y / peak if peak > 0 else y


def _panel_legend(ax: Axes, lines: list[Line2D]) -> None:
    """Legend in the title row, right-aligned, so it never hides a curve."""
    n_cols = len(lines) if len(lines) <= 4 else math.ceil(len(lines) / 2)
    ax.legend(handles=lines, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=n_cols,
              fontsize="small", frameon=False, borderaxespad=0.1, columnspacing=1.2,
              handlelength=2.2)


def _draw_panel(ax: Axes, group: str, names: list[str], x: np.ndarray,
                values: dict[str, np.ndarray]) -> None:
    """One subsystem: the first unit on the left axis, a second unit on a right axis.

    A second y axis keeps every series in its own unit (a reader can read off pg/mL
    and mg/L directly); right-axis series are dashed and marked in the legend. A
    third unit in one panel cannot be read off two axes, so such a panel shows each
    series divided by its own maximum instead, and says so on the axis.
    """
    units = list(dict.fromkeys(BY_NAME[n].unit for n in names))
    log = group in LOG_PANELS
    palette = [f"C{i}" for i in range(len(names))]
    ax.set_title(group, loc="left", fontweight="bold")
    if len(units) > 2:
        scaled = {n: _scaled_to_max(np.asarray(values[n], dtype=float)) for n in names}
        _panel_legend(ax, _draw_series(ax, x, names, scaled, log, palette, "-"))
        ax.set_ylabel("fraction of own maximum (units differ)")
        return
    left = [n for n in names if BY_NAME[n].unit == units[0]]
    lines = _draw_series(ax, x, left, values, log, palette[: len(left)], "-")
    ax.set_ylabel(units[0])
    if len(units) == 2:
        right = [n for n in names if BY_NAME[n].unit == units[1]]
        twin = ax.twinx()
        right_lines = _draw_series(twin, x, right, values, log, palette[len(left):], "--")
        for line in right_lines:
            line.set_label(f"{line.get_label()} (right)")
        twin.set_ylabel(units[1])
        lines += right_lines
    _panel_legend(ax, lines)


def _draw_marks(ax: Axes, marks: list[InterventionMark], scale: float,
                colours: dict[str, str]) -> None:
    """Doses as dotted lines with a triangle on top (visible even at t = 0, on the
    spine); infusions and exposures as light shading behind the curves."""
    for mark in marks:
        colour = colours[mark.agent]
        if mark.end_h is None:
            ax.axvline(mark.start_h / scale, color=colour, linestyle=":", linewidth=1.5,
                       alpha=0.9, zorder=0.5)
            ax.plot(mark.start_h / scale, 1.0, marker="v", color=colour, markersize=7,
                    transform=ax.get_xaxis_transform(), clip_on=False, zorder=3)
        else:
            ax.axvspan(mark.start_h / scale, mark.end_h / scale, color=colour, alpha=0.15,
                       linewidth=0, zorder=0.4)


def _draw_timeline(ax: Axes, marks: list[InterventionMark], scale: float,
                   colours: dict[str, str]) -> None:
    """One row per agent: a tick per dose, a bar per infusion or exposure window.

    It is the legend of agents (row labels in the agents' colours) and shows every
    mark, however dense, so the data panels can leave dense schedules out.
    """
    agents = list(colours)
    for row, agent in enumerate(agents):
        doses = [m.start_h / scale for m in marks if m.agent == agent and m.end_h is None]
        spans = [(m.start_h / scale, (m.end_h - m.start_h) / scale)
                 for m in marks if m.agent == agent and m.end_h is not None]
        y = len(agents) - 1 - row
        if spans:
            ax.broken_barh(spans, (y - 0.3, 0.6), facecolors=colours[agent], alpha=0.6)
        if doses:
            ax.plot(doses, [y] * len(doses), linestyle="none", marker="|", markersize=14,
                    markeredgewidth=2, color=colours[agent], clip_on=False)
    ax.set_yticks(range(len(agents)), labels=list(reversed(agents)))
    for label, agent in zip(ax.get_yticklabels(), reversed(agents), strict=True):
        label.set_color(colours[agent])
        label.set_fontweight("bold")
    ax.set_ylim(-0.7, len(agents) - 0.3)
    ax.tick_params(axis="y", length=0)
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title("Interventions", loc="left", fontweight="bold")
    ax.set_title("| dose    \u25ac infusion or exposure", loc="right", fontsize="small",
                 color="0.35")


def _save_png(fig: Figure, path: Path) -> None:
    """Save through ``atomic_output`` so a crash never leaves a broken PNG."""
    with atomic_output(path, binary=True) as stream:
        fig.savefig(stream, format="png", dpi=PNG_DPI)


def _time_tick_step(span: float, in_days: bool) -> float | None:
    """Ticks on the clock's natural beats: 6 or 12 h, days, weeks; None for the default."""
    if not in_days:
        return 6.0 if span <= 48 else 12.0
    if span <= 14:
        return 1.0
    return 7.0 if span <= 120 else None


def plot_timecourse(result: SimulationResult, path: str | os.PathLike[str] | None = None,
                    observables: Sequence[str] | None = None) -> Figure:
    """Draw every observable (or the ``observables`` named) by subsystem, with interventions.

    One panel per observable group in ``PANEL_ORDER`` that has something to show, plus
    an interventions timeline that doubles as the legend of agents. Pathogen and
    cytokine panels use log y axes; time is in hours, or in days for runs longer than
    72 h; doses are dotted vertical lines and infusions or exposures shaded spans,
    coloured per agent. If ``path`` is given the figure is also saved there as a PNG at
    150 dpi. Returns the figure; the caller owns it (no pyplot state is kept).
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MultipleLocator

    wanted = set(BY_NAME if observables is None else observables)
    unknown = wanted - set(BY_NAME)
    if unknown:
        raise ValueError(f"unknown observables {sorted(unknown)}; "
                         f"see neuroimmune.observables.OBSERVABLE_NAMES")
    groups = {g: [o.name for o in OBSERVABLES if o.group == g and o.name in wanted
                  and o.name in result.values] for g in PANEL_ORDER}
    groups = {g: names for g, names in groups.items() if names}

    t = np.asarray(result.time_h, dtype=float)
    span_h = float(t[-1] - t[0]) if t.size else 0.0
    in_days = span_h > DAYS_AFTER_H
    scale = 24.0 if in_days else 1.0
    x = t / scale
    marks = intervention_marks(result.scenario)
    agents = list(dict.fromkeys(m.agent for m in marks))
    unknown_agents = [a for a in agents if a not in _AGENT_COLOURS]
    colours = {a: _agent_colour(a, unknown_agents) for a in agents}
    sparse = [m for m in marks
              if sum(1 for n in marks if n.agent == m.agent) <= SPARSE_MARKS_MAX]

    n_slots = len(groups) + (1 if marks else 0)
    n_cols = 2 if n_slots > 2 else 1
    n_rows = max(math.ceil(n_slots / n_cols), 1)
    fig = Figure(figsize=(8.0 * n_cols, 3.2 * n_rows + 0.8), layout="constrained")
    grid = fig.add_gridspec(n_rows, n_cols)
    # Column-major, so the left column reads down the cascade pathogen -> brain.
    cells = [grid[r, c] for c in range(n_cols) for r in range(n_rows)]
    axes = [fig.add_subplot(cell) for cell in cells[:n_slots]]
    for ax in axes[1:]:
        ax.sharex(axes[0])
    for ax, (group, names) in zip(axes, groups.items(), strict=False):
        _draw_marks(ax, sparse, scale, colours)
        _draw_panel(ax, group, names, x, result.values)
        ax.grid(True, which="major", alpha=0.3)
    if marks:
        _draw_timeline(axes[len(groups)], marks, scale, colours)
    if axes and t.size:
        axes[0].set_xlim(x[0], x[-1])
        step = _time_tick_step(span_h / scale, in_days)
        if step is not None:
            axes[0].xaxis.set_major_locator(MultipleLocator(step))
    for i, ax in enumerate(axes):
        if i == len(axes) - 1 or (i + 1) % n_rows == 0:
            ax.set_xlabel("time since start (days)" if in_days else "time since start (h)")

    scenario = result.scenario
    fig.suptitle(f"{scenario.name}\nt = 0 at {_clock(scenario.clock_start_h)} clock time",
                 fontsize="x-large")
    if path is not None:
        _save_png(fig, Path(path))
    return fig
