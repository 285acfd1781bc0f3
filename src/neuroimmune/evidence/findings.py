"""The evidence table: findings from human studies as data, each with its role.

A finding is one number a human study reported, a protocol that reproduces the study
(a built-in scenario or a file in ``evidence/protocols/``), the model statistic that
corresponds to it, and the rule a model value must meet. Its role is ``calibration``
when a parameter was set or fitted to reproduce it (``informs`` names those
parameters) and ``validation`` only when nothing in the model was tuned to it.
Findings live in ``evidence/findings/*.toml``, one file per subsystem.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

Role = Literal["calibration", "validation"]
ROLES = ("calibration", "validation")
MEASURES = ("peak", "trough", "rise", "swing", "time_of_peak", "value", "mean", "auc",
            "half_rise_time")
"""What is read from one time course over a window (see ``measure.py``)."""
COMPARISONS = ("ratio", "difference")


class FindingError(ValueError):
    """A findings file breaks the schema; the message names the file, the row and the field."""


@dataclass(frozen=True)
class Reading:
    """One statistic of one observable in one protocol over a time window (hours)."""

    protocol: str
    observable: str
    measure: str
    window: tuple[float, float]


@dataclass(frozen=True)
class TrialReading:
    """An outcome of a virtual trial (``evidence/trials/<trial>.toml``) in one arm, optionally
    compared with the control arm and restricted to a baseline stratum (``"CRP_mg_L >= 5"``)."""

    trial: str
    outcome: str
    arm: str
    stratum: str = ""

    @property
    def stratify(self) -> tuple[str, float] | None:
        if not self.stratum:
            return None
        name, _, cut = self.stratum.split()
        return name, float(cut)


@dataclass(frozen=True)
class HumanValue:
    """What the study reported: a number where it gave one, else ``text`` (a direction)."""

    value: float | None
    spread: str = ""
    n: str = ""
    text: str = ""


@dataclass(frozen=True)
class Finding:
    """One row of the evidence table."""

    id: str
    study: str
    population: str
    subsystem: str
    role: Role
    reading: Reading | None
    comparison: str | None
    reference: Reading | None
    human: HumanValue
    accept_min: float
    accept_max: float
    rule: str
    informs: tuple[str, ...] = ()
    data: str = ""
    known_failure: str = ""
    trial: TrialReading | None = None
    source_file: str = field(default="", compare=False)

    def accepts(self, value: float) -> bool:
        return math.isfinite(value) and self.accept_min <= value <= self.accept_max


_REQUIRED = ("id", "study", "population", "subsystem", "role", "human", "accept", "rule")
_READING = ("protocol", "observable", "measure")
_TRIAL = ("trial", "outcome", "arm")


def _window(value, where: str) -> tuple[float, float]:
    if value is None:
        return (0.0, math.inf)
    if not (isinstance(value, list) and len(value) == 2 and value[0] <= value[1]):
        raise FindingError(f"{where}: window must be [start_h, end_h] with start <= end")
    return (float(value[0]), float(value[1]))


def _reading(entry: dict, defaults: Reading | None, where: str) -> Reading:
    measure = entry.get("measure", defaults.measure if defaults else None)
    if measure not in MEASURES:
        raise FindingError(f"{where}: measure {measure!r} is not one of {', '.join(MEASURES)}")
    window = entry.get("window")
    return Reading(
        protocol=entry.get("protocol", defaults.protocol if defaults else ""),
        observable=entry.get("observable", defaults.observable if defaults else ""),
        measure=measure,
        window=_window(window, where) if window is not None or not defaults else defaults.window,
    )


def _finding(entry: dict, where: str) -> Finding:
    missing = [key for key in _REQUIRED if key not in entry]
    if missing:
        raise FindingError(f"{where}: missing {', '.join(missing)}")
    where = f"{where} [{entry['id']}]"
    if entry["role"] not in ROLES:
        raise FindingError(f"{where}: role must be one of {', '.join(ROLES)}")
    is_trial = "trial" in entry
    needed = _TRIAL if is_trial else _READING
    missing = [key for key in needed if key not in entry]
    if missing:
        raise FindingError(f"{where}: missing {', '.join(missing)} (a {'trial' if is_trial else 'protocol'} "
                           "finding)")
    comparison = entry.get("comparison")
    if comparison is not None and comparison not in COMPARISONS:
        raise FindingError(f"{where}: comparison must be one of {', '.join(COMPARISONS)}")
    reading = reference = trial = None
    if is_trial:
        stratum = entry.get("stratum", "")
        if stratum and len(stratum.split()) != 3:
            raise FindingError(f"{where}: stratum reads like 'CRP_mg_L >= 5'")
        trial = TrialReading(entry["trial"], entry["outcome"], entry["arm"], stratum)
    else:
        reading = _reading(entry, None, where)
        if comparison is not None:
            if "reference" not in entry:
                raise FindingError(f"{where}: a comparison needs a reference reading")
            reference = _reading(entry["reference"], reading, f"{where} reference")
    human = entry["human"]
    if "value" not in human and "text" not in human:
        raise FindingError(f"{where}: human needs a value or a text")
    accept = entry["accept"]
    if not ({"min", "max"} & accept.keys()):
        raise FindingError(f"{where}: accept needs min, max or both")
    informs = tuple(entry.get("informs", ()))
    if entry["role"] == "validation" and informs:
        raise FindingError(f"{where}: a validation finding informs no parameter; make it a "
                           "calibration finding or empty its informs list")
    return Finding(
        id=entry["id"], study=entry["study"], population=entry["population"],
        subsystem=entry["subsystem"], role=entry["role"], reading=reading,
        comparison=comparison, reference=reference,
        human=HumanValue(float(human["value"]) if "value" in human else None,
                         str(human.get("spread", "")), str(human.get("n", "")),
                         str(human.get("text", ""))),
        accept_min=float(accept.get("min", -math.inf)),
        accept_max=float(accept.get("max", math.inf)), rule=entry["rule"], informs=informs,
        data=entry.get("data", ""), known_failure=entry.get("known_failure", ""),
        trial=trial, source_file=where.split(" ")[0],
    )


def findings_folder() -> Path:
    return Path(str(resources.files("neuroimmune.evidence").joinpath("findings")))


def load_findings(folder: Path | None = None) -> list[Finding]:
    """Every finding, in file then row order; ids are unique across files."""
    rows: list[Finding] = []
    for path in sorted((folder or findings_folder()).glob("*.toml")):
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        for index, entry in enumerate(table.get("finding", [])):
            rows.append(_finding(entry, f"{path.name} finding {index + 1}"))
    seen: set[str] = set()
    for row in rows:
        if row.id in seen:
            raise FindingError(f"{row.source_file}: id {row.id} is used twice")
        seen.add(row.id)
    return rows
