"""Which fitted parameters the data pin down: profile likelihoods first, posterior second.

The verdict comes from each parameter's profile likelihood (``profiles.py``): its 95%
likelihood-ratio confidence interval is finite (identifiable), finite on one side
(bounded on one side) or fills the plausible range (not identifiable). Posterior
summaries from several chains (``sampling.py``) are reported beside it only when every
chain has converged (split R-hat <= 1.01, bulk and tail ESS >= 400); otherwise each
parameter says so, with its R-hat and ESS, instead of a summary that depends on how
long the sampler happened to run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuroimmune.calibration.profiles import Profile
from neuroimmune.calibration.sampling import Diagnostic, all_converged
from neuroimmune.io import write_atomically


@dataclass(frozen=True)
class Identifiability:
    """One parameter's evidence: best fit, profile interval and verdict, posterior summary."""

    name: str
    best: float
    lower: float
    upper: float
    profile: Profile | None = None
    diagnostic: Diagnostic | None = None
    posterior: tuple[float, float, float] | None = None
    """log10 median, 2.5% and 97.5% quantiles; None unless the chains converged."""

    @property
    def verdict(self) -> str:
        return self.profile.verdict() if self.profile is not None else "no profile computed"

    def posterior_text(self) -> str:
        """The posterior column: a summary if converged, else why there is none."""
        if self.diagnostic is None:
            return "not sampled"
        if self.posterior is None:
            return self.diagnostic.message()
        median, low, high = self.posterior
        return f"{10**median:.4g} ({10**low:.4g} - {10**high:.4g})"


def summarise(names: Sequence[str], best_x: Sequence[float], lower: Sequence[float],
              upper: Sequence[float], profiles: Sequence[Profile] | None = None,
              diagnostics: Sequence[Diagnostic] | None = None,
              pooled: np.ndarray | None = None) -> list[Identifiability]:
    """Combine profiles and chains per parameter; posterior summaries only if converged."""
    by_name = {p.name: p for p in profiles or ()}
    checks = {d.name: d for d in diagnostics or ()}
    converged = diagnostics is not None and all_converged(diagnostics) and pooled is not None
    rows = []
    for i, name in enumerate(names):
        posterior = None
        if converged:
            low, median, high = np.quantile(pooled[:, i], [0.025, 0.5, 0.975])
            posterior = (float(median), float(low), float(high))
        rows.append(Identifiability(name, float(best_x[i]), float(lower[i]), float(upper[i]),
                                    by_name.get(name), checks.get(name), posterior))
    return rows


def _interval_text(row: Identifiability) -> str:
    if row.profile is None:
        return "-"
    low, high = row.profile.interval()
    left = f"{10**low:.4g}" if low is not None else f"range end ({10**row.lower:.3g})"
    right = f"{10**high:.4g}" if high is not None else f"range end ({10**row.upper:.3g})"
    return f"{left} - {right}"


def _diagnostic_text(row: Identifiability) -> str:
    d = row.diagnostic
    return "-" if d is None else f"{d.rhat:.3f} | {d.ess_bulk:.0f} / {d.ess_tail:.0f}"


def table_lines(rows: Sequence[Identifiability]) -> list[str]:
    """Markdown table: profile interval and verdict, R-hat, ESS, posterior (if converged)."""
    lines = ["| parameter | best fit | profile 95% CI | verdict (profile) | R-hat | ESS bulk / tail "
             "| posterior median (95% interval) |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| `{r.name}` | {10**r.best:.4g} | {_interval_text(r)} | {r.verdict} | "
              f"{_diagnostic_text(r)} | {r.posterior_text()} |" for r in rows]
    return lines


def summary_lines(rows: Sequence[Identifiability]) -> list[str]:
    """One line per parameter for the terminal."""
    width = max(len(r.name) for r in rows)
    return [f"  {r.name:<{width}}  profile: {r.verdict:<20}  posterior: {r.posterior_text()}"
            for r in rows]


def write_identifiability(rows: Sequence[Identifiability], path: Path, preamble: str = "") -> None:
    text = (preamble.rstrip() + "\n\n" if preamble else "") + "\n".join(table_lines(rows)) + "\n"
    write_atomically(path, text)
