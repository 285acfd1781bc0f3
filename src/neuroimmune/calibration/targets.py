"""Findings as terms of a calibration likelihood: protocols beyond the time-course data.

A fit to one protocol is right only for that protocol. A calibration problem may list
findings of the evidence table (role ``calibration``) from other protocols: five daily
doses, a hydrocortisone infusion, a lower dose. Each is read from the model exactly as
the scorecard reads it and enters the negative log-likelihood as a Gaussian term:

- on the log scale for ratios and amounts, on the natural scale for differences;
- centred on the study's reported value, with the distance from that value to the
  finding's acceptance bound taken as two standard deviations;
- where a study gave a bound or direction but no number to centre on (TNF "completely
  prevented", "enhanced"), a one-sided term that is zero inside the bound and rises
  with a soft edge outside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from neuroimmune.engines.base import Engine
from neuroimmune.evidence.findings import Finding, load_findings
from neuroimmune.evidence.measure import ProtocolRuns, model_value

BOUND_IS_SDS = 1.96
"""The acceptance bound lies this many standard deviations from the reported value."""

EDGE_SD = 0.1
"""Softness of a one-sided bound: 0.1 on the log scale (10%), or 10% of the bound's
size on the natural scale."""


class TargetError(ValueError):
    """A problem names a finding that cannot be a calibration target."""


@dataclass(frozen=True)
class FindingTarget:
    """One calibration finding and how far the model may sit from it."""

    finding: Finding

    @property
    def logarithmic(self) -> bool:
        return self.finding.comparison != "difference"

    def _scale(self, value: float) -> float:
        return math.log(value) if self.logarithmic else value

    def residual(self, value: float) -> float:
        """Standardised distance of the model's value from the finding (0 inside a bound)."""
        finding = self.finding
        if not math.isfinite(value) or (self.logarithmic and value <= 0):
            return 1e3
        human = finding.human.value
        low, high = finding.accept_min, finding.accept_max
        if human is not None and (human > 0 or not self.logarithmic):
            bound = high if math.isfinite(high) and value > human else low
            if not math.isfinite(bound):
                bound = low if math.isfinite(low) else high
            sd = abs(self._scale(bound) - self._scale(human)) / BOUND_IS_SDS
            return (self._scale(value) - self._scale(human)) / sd
        edge = EDGE_SD if self.logarithmic else EDGE_SD * max(abs(low), abs(high), 1.0)
        if math.isfinite(low) and value < low:
            return (self._scale(value) - self._scale(low)) / edge
        if math.isfinite(high) and value > high:
            return (self._scale(value) - self._scale(high)) / edge
        return 0.0


def load_targets(ids: Sequence[str]) -> tuple[FindingTarget, ...]:
    """The named findings; each must exist, be a calibration finding and read a protocol."""
    findings = {finding.id: finding for finding in load_findings()}
    targets = []
    for finding_id in ids:
        finding = findings.get(finding_id)
        if finding is None:
            raise TargetError(f"unknown finding {finding_id!r} (see evidence/findings/*.toml)")
        if finding.role != "calibration":
            raise TargetError(f"finding {finding_id!r} is held out for validation; a fit may "
                              "only use calibration findings")
        if finding.trial is not None:
            raise TargetError(f"finding {finding_id!r} reads a trial; fits take protocol findings")
        targets.append(FindingTarget(finding))
    return tuple(targets)


def target_values(targets: Sequence[FindingTarget], overrides: Mapping[str, float],
                  engine: Engine) -> dict[str, float]:
    """The model's value of each target's statistic with ``overrides`` set."""
    runs = ProtocolRuns(overrides=overrides, engine=engine)
    return {target.finding.id: model_value(target.finding, runs) for target in targets}


def target_nll(targets: Sequence[FindingTarget], values: Mapping[str, float]) -> float:
    """Sum of the targets' Gaussian negative log-likelihood terms (constants dropped)."""
    return 0.5 * sum(target.residual(values[target.finding.id]) ** 2 for target in targets)
