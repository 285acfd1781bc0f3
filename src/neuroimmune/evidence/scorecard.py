"""The validation scorecard: every finding scored against the current model.

In the spirit of Open Systems Pharmacology's qualification reports: each row shows the
human value beside the model's, the acceptance rule, pass or fail and the role, with a
figure of the time course behind it; summaries count passes by subsystem and by role.
``score()`` computes, ``render_markdown()`` and ``write_scorecard()`` only present. The
Markdown holds numbers to three significant figures and no dates, so a committed copy
can be checked for staleness by regenerating it.
"""

from __future__ import annotations

import base64
import html
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from neuroimmune.evidence.datafiles import data_files
from neuroimmune.evidence.findings import Finding, load_findings
from neuroimmune.evidence.measure import NotModelled, ProtocolRuns, model_value
from neuroimmune.io import write_atomically

PASS, FAIL, NOT_MODELLED = "pass", "fail", "not modelled"


@dataclass(frozen=True)
class Score:
    finding: Finding
    model: float | None
    status: str
    reason: str = ""


def score(findings: list[Finding] | None = None, runs: ProtocolRuns | None = None,
          progress: bool = False) -> list[Score]:
    """Score every finding against the model's current defaults."""
    runs = runs or ProtocolRuns()
    findings = findings if findings is not None else load_findings()
    runs.trials.plan(findings)
    iterator = findings
    if progress:
        from tqdm import tqdm

        iterator = tqdm(findings, desc="findings", unit="finding")
    scores = []
    for finding in iterator:
        try:
            value = model_value(finding, runs)
        except NotModelled as missing:
            scores.append(Score(finding, None, NOT_MODELLED, str(missing)))
            continue
        scores.append(Score(finding, value, PASS if finding.accepts(value) else FAIL))
    return scores


def number(value: float | None) -> str:
    """Three significant figures, stable across platforms."""
    if value is None:
        return "-"
    if not math.isfinite(value):
        return "inf" if value > 0 else ("-inf" if value < 0 else "nan")
    if value == 0:
        return "0"
    return f"{value:.3g}"


def human_text(finding: Finding) -> str:
    h = finding.human
    parts = [number(h.value)] if h.value is not None else []
    if h.spread:
        parts.append(f"({h.spread})")
    if h.text:
        parts.append(h.text)
    if h.n:
        parts.append(f"n = {h.n}")
    return " ".join(parts)


def rule_text(finding: Finding) -> str:
    low, high = finding.accept_min, finding.accept_max
    if math.isinf(low):
        bounds = f"<= {number(high)}"
    elif math.isinf(high):
        bounds = f">= {number(low)}"
    else:
        bounds = f"{number(low)} to {number(high)}"
    return f"{bounds} ({finding.rule})"


def _protocol_text(finding: Finding) -> str:
    if finding.trial is not None:
        t = finding.trial
        text = f"trial `{t.trial}`: {t.outcome} in arm {t.arm}"
        if finding.comparison:
            text += f", {finding.comparison} to the control arm"
        return text + (f" (baseline {t.stratum})" if t.stratum else "")
    reading = finding.reading
    text = f"`{reading.protocol}` {reading.observable} {reading.measure} {_window(reading.window)}"
    if finding.reference:
        ref = finding.reference
        text += (f" {finding.comparison} to `{ref.protocol}` {ref.observable} {ref.measure} "
                 f"{_window(ref.window)}")
    return text


def _window(window: tuple[float, float]) -> str:
    start, end = window
    if start == end:
        return f"at {number(start)} h"
    if math.isinf(end):
        return f"from {number(start)} h" if start else ""
    return f"{number(start)}-{number(end)} h"


def role_rows(scores: list[Score]) -> list[tuple[str, int, int, int, int]]:
    """(role, findings, passed, failed, not modelled), validation first."""
    counts = Counter((s.finding.role, s.status) for s in scores)
    return [(role, sum(v for (r, _), v in counts.items() if r == role), counts[(role, PASS)],
             counts[(role, FAIL)], counts[(role, NOT_MODELLED)]) for role in ("validation", "calibration")]


def summary_rows(scores: list[Score]) -> list[tuple[str, str, int, int, int]]:
    """(subsystem, role, passed, failed or not modelled, total) in a stable order."""
    totals: Counter = Counter()
    passed: Counter = Counter()
    for s in scores:
        key = (s.finding.subsystem, s.finding.role)
        totals[key] += 1
        passed[key] += s.status == PASS
    return [(sub, role, passed[(sub, role)], totals[(sub, role)] - passed[(sub, role)],
             totals[(sub, role)]) for sub, role in sorted(totals)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def figure_links(scores: list[Score]) -> dict[str, str]:
    """Where each modelled finding's figure lies, relative to the scorecard."""
    return {s.finding.id: f"figures/{s.finding.id}.png" for s in scores
            if s.status != NOT_MODELLED and s.model is not None and math.isfinite(s.model)}


def render_markdown(scores: list[Score], figures: dict[str, str] | None = None) -> str:
    """The scorecard as Markdown; ``figures`` maps finding ids to relative image paths."""
    figures = figures or {}
    studies = {s.finding.study.split(",")[0] for s in scores}
    lines = [
        "# Validation scorecard",
        "",
        "> Generated by `neuroimmune validate` from `src/neuroimmune/evidence/findings/*.toml` and",
        "> the model's current defaults. Do not edit by hand; `tests/validation/test_evidence.py`",
        "> fails when this page is stale.",
        "",
        f"{len(scores)} findings from {len(studies)} studies. A *calibration* finding was used to "
        "set or fit the parameters it names, so agreement with it is evidence of the fit only; a "
        "*validation* finding was used for nothing in the model.",
        "",
        "| role | findings | pass | fail | not modelled |",
        "|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in role_rows(scores)]
    lines += ["", "## By subsystem", "", "| subsystem | role | pass | fail or not modelled | total |",
              "|---|---|---|---|---|"]
    lines += [f"| {sub} | {role} | {p} | {f} | {t} |" for sub, role, p, f, t in summary_rows(scores)]
    lines += ["", "## Findings", "",
              "| id | role | study | protocol and statistic | human | accept | model | result |",
              "|---|---|---|---|---|---|---|---|"]
    for s in scores:
        f = s.finding
        human = human_text(f)
        result = s.status + (" (known)" if f.known_failure and s.status != PASS else "")
        ident = f"[`{f.id}`]({figures[f.id]})" if f.id in figures else f"`{f.id}`"
        lines.append("| " + " | ".join(_cell(c) for c in (
            ident, f.role, f.study, _protocol_text(f), human, rule_text(f), number(s.model),
            f"**{result}**" if s.status != PASS else result)) + " |")
    failing = [s for s in scores if s.status != PASS]
    if failing:
        lines += ["", "## Where the model disagrees with human data", ""]
        for s in failing:
            reason = s.finding.known_failure or s.reason or "not yet analysed"
            lines.append(f"- `{s.finding.id}` ({s.finding.role}): {_cell(reason)}")
    informed = [s.finding for s in scores if s.finding.informs]
    lines += ["", "## Parameters set from calibration findings", "",
              "| finding | parameters |", "|---|---|"]
    lines += [f"| `{f.id}` | {', '.join(f'`{p}`' for p in f.informs)} |" for f in informed]
    lines += ["", "## Data sets shipped with the package", "",
              "| file | what | citation | obtained | n |", "|---|---|---|---|---|"]
    lines += [f"| `{d.name}` | {_cell(d.title)} | {_cell(d.citation)} | {_cell(d.obtained)} | "
              f"{_cell(d.n)} |" for d in data_files()]
    return "\n".join(lines) + "\n"


def render_html(markdown_scores: list[Score], figure_files: dict[str, Path]) -> str:
    """A self-contained page (figures inlined) with the same content as the Markdown."""
    rows = []
    for s in markdown_scores:
        f = s.finding
        image = ""
        if f.id in figure_files:
            data = base64.b64encode(figure_files[f.id].read_bytes()).decode("ascii")
            image = f'<img alt="{html.escape(f.id)}" src="data:image/png;base64,{data}">'
        colour = {"pass": "#d9f2d9", "fail": "#f9d6d5"}.get(s.status, "#eeeeee")
        human = human_text(f)
        cells = [f.id, f.subsystem, f.role, f.study, _protocol_text(f), human, rule_text(f),
                 number(s.model), s.status, f.known_failure]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells[:-2])
                    + f'<td style="background:{colour}">{html.escape(cells[-2])}</td>'
                    + f"<td>{html.escape(cells[-1])}</td><td>{image}</td></tr>")
    roles = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
                    for row in role_rows(markdown_scores))
    summary = "".join(f"<tr><td>{html.escape(sub)}</td><td>{role}</td><td>{p}</td><td>{f}</td>"
                      f"<td>{t}</td></tr>" for sub, role, p, f, t in summary_rows(markdown_scores))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>neuroimmune validation scorecard</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:4px;vertical-align:top}}img{{width:320px}}</style></head>
<body><h1>Validation scorecard</h1>
<p>Every finding of the evidence table against the model's current defaults. Calibration
findings were used to set parameters; validation findings were used for nothing.</p>
<h2>By role</h2><table><tr><th>role</th><th>findings</th><th>pass</th><th>fail</th>
<th>not modelled</th></tr>{roles}</table>
<h2>By subsystem</h2><table><tr><th>subsystem</th><th>role</th><th>pass</th>
<th>fail or not modelled</th><th>total</th></tr>{summary}</table>
<h2>Findings</h2><table><tr><th>id</th><th>subsystem</th><th>role</th><th>study</th>
<th>protocol and statistic</th><th>human</th><th>accept</th><th>model</th><th>result</th>
<th>known disagreement</th><th>time course</th></tr>{''.join(rows)}</table></body></html>
"""


def write_scorecard(out: Path, progress: bool = False) -> Path:
    """Score every finding and write ``scorecard.md``, ``scorecard.html`` and figures into ``out``."""
    from neuroimmune.plotting.evidence import plot_finding

    out.mkdir(parents=True, exist_ok=True)
    runs = ProtocolRuns()
    scores = score(load_findings(), runs, progress)
    figure_dir = out / "figures"
    figure_dir.mkdir(exist_ok=True)
    figure_files = {}
    for s in scores:
        path = figure_dir / f"{s.finding.id}.png"
        if plot_finding(s, runs, path):
            figure_files[s.finding.id] = path
    write_atomically(out / "scorecard.md", render_markdown(scores, figure_links(scores)))
    write_atomically(out / "scorecard.html", render_html(scores, figure_files))
    return out / "scorecard.md"
