"""Which fitted parameters the data pin down, judged from posterior samples.

A parameter is *identifiable* when its 95% credible interval is narrower than one
decade and stays clear of the ends of its plausible range; *bounded on one side* when
the interval runs into one end of the range; otherwise *not identifiable* from this data
(the posterior fills much of the plausible range).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuroimmune.io import write_atomically

DECADE = 1.0
EDGE = 0.05
"""Share of the log10 range at each end that counts as touching the bound."""


@dataclass(frozen=True)
class Identifiability:
    name: str
    median: float
    low95: float
    high95: float
    verdict: str


def classify(names: list[str], samples: np.ndarray, lower, upper) -> list[Identifiability]:
    rows = []
    for i, name in enumerate(names):
        low, median, high = np.quantile(samples[:, i], [0.025, 0.5, 0.975])
        span = upper[i] - lower[i]
        at_low = low <= lower[i] + EDGE * span
        at_high = high >= upper[i] - EDGE * span
        if high - low < DECADE and not (at_low or at_high):
            verdict = "identifiable"
        elif at_low != at_high and high - low < 0.5 * span:
            verdict = "bounded on one side"
        else:
            verdict = "not identifiable from this data"
        rows.append(Identifiability(name, 10**median, 10**low, 10**high, verdict))
    return rows


def write_identifiability(rows: list[Identifiability], path: Path) -> None:
    lines = ["| parameter | median | 95% interval | verdict |", "|---|---|---|---|"]
    lines += [f"| `{r.name}` | {r.median:.4g} | {r.low95:.4g} - {r.high95:.4g} | {r.verdict} |"
              for r in rows]
    write_atomically(path, "\n".join(lines) + "\n")
