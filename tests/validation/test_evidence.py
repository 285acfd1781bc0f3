"""The evidence table, held to its own rules, and the model scored against every finding.

Each finding is one test: a calibration finding that fails means the fit has drifted; a
validation finding that fails is a disagreement with human data, expected (``xfail``,
strict) only where its row says why. A finding that starts to pass must lose its
``known_failure`` note, so the table cannot keep claiming a defect that is gone.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from neuroimmune.calibration.datasets import HELD_OUT_SUBJECTS
from neuroimmune.calibration.validate import compute_report, render_report
from neuroimmune.evidence.datafiles import data_files, data_path
from neuroimmune.evidence.findings import load_findings
from neuroimmune.evidence.measure import ProtocolRuns
from neuroimmune.evidence.scorecard import PASS, figure_links, render_markdown, score
from neuroimmune.model.compose import compose

FINDINGS = load_findings()
BY_ID = {f.id: f for f in FINDINGS}
COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "validation" / "scorecard.md"


@cache
def _scores():
    runs = ProtocolRuns()
    return {s.finding.id: s for s in score(FINDINGS, runs)}


def test_the_table_is_large_and_independent_enough():
    studies = {f.study.split(",")[0] for f in FINDINGS}
    assert len(FINDINGS) >= 40
    assert len(studies) >= 15
    assert sum(f.role == "validation" for f in FINDINGS) >= 15


def test_no_validation_finding_shares_a_parameter_with_calibration():
    """A parameter set to reproduce a finding names it, and that finding is calibration."""
    informed = {p for f in FINDINGS if f.role == "calibration" for p in f.informs}
    parameters = compose().parameters
    for name, parameter in parameters.items():
        for row in parameter.evidence:
            assert row in BY_ID, f"{name} names unknown finding {row}"
            assert BY_ID[row].role == "calibration", f"{name} was set from validation row {row}"
            assert name in BY_ID[row].informs, f"{row} does not list {name} among what it informs"
    for finding in FINDINGS:
        if finding.role == "validation":
            assert not finding.informs, finding.id
        for name in finding.informs:
            assert name in parameters, f"{finding.id} informs unknown parameter {name}"
            assert finding.id in parameters[name].evidence, f"{name} does not name {finding.id}"
    assert informed, "no calibration finding informs any parameter"


def test_calibrated_parameters_name_their_evidence():
    """'calibrated' in a source means fitted to data: the finding must be in the table."""
    for parameter in compose().parameters.values():
        if parameter.source.startswith("calibrated"):
            assert parameter.evidence, f"{parameter.name} is calibrated but names no finding"
        if parameter.evidence:
            assert parameter.source.startswith("calibrated"), (
                f"{parameter.name} was set from findings but its source is not 'calibrated'")


def test_every_protocol_runs_and_every_observable_is_known_or_reported():
    scores = _scores()
    for finding in FINDINGS:
        status = scores[finding.id].status
        if status == "not modelled":
            assert finding.known_failure, f"{finding.id}: observable missing without a note"


@pytest.mark.parametrize("finding_id", [f.id for f in FINDINGS])
def test_finding(finding_id):
    finding = BY_ID[finding_id]
    result = _scores()[finding_id]
    if finding.known_failure:
        if result.status == PASS:
            pytest.fail(f"{finding_id} now passes: remove its known_failure note")
        pytest.xfail(finding.known_failure)
    assert result.status == PASS, (
        f"{finding_id} ({finding.role}): model {result.model} outside "
        f"[{finding.accept_min}, {finding.accept_max}] ({finding.rule}); {finding.study}")


def test_scorecard_is_current():
    """docs/validation/scorecard.md is what ``neuroimmune validate`` writes today."""
    scores = list(_scores().values())
    assert COMMITTED.read_text(encoding="utf-8") == render_markdown(scores, figure_links(scores)), (
        "docs/validation/scorecard.md is stale: run `neuroimmune validate --out docs/validation`")


def test_data_set_report_is_current():
    """docs/validation/report.md is what ``neuroimmune validate`` writes today."""
    committed = COMMITTED.with_name("report.md").read_text(encoding="utf-8")
    assert committed == render_report(compute_report()), (
        "docs/validation/report.md is stale: run `neuroimmune validate --out docs/validation`")


def test_cohort_rows_agree_with_the_data_file():
    """The human numbers of the Janum rows are those of the shipped file, not copies that drift."""
    cohort = pd.read_csv(data_path("lps_bolus_2ngkg_individuals.csv"))
    peaks = cohort.groupby("subject").max()
    held_out = peaks.index.isin(HELD_OUT_SUBJECTS)
    for prefix, rows in (("janum_", peaks[~held_out]), ("janum_heldout_", peaks[held_out])):
        for name in ("tnf", "il6", "il10"):
            finding = BY_ID[f"{prefix}{name}_peak"]
            column = finding.reading.observable
            assert finding.human.value == pytest.approx(rows[column].median(), abs=0.1)
            if prefix == "janum_heldout_":
                assert finding.accept_min == pytest.approx(rows[column].min(), abs=0.1)
                assert finding.accept_max == pytest.approx(rows[column].max(), abs=0.1)


def test_every_data_file_has_provenance_and_is_used():
    ids = set(BY_ID)
    for info in data_files():
        assert data_path(info.name).is_file()
        assert info.citation and info.obtained and info.units
        unknown = set(info.evidence) - ids
        assert not unknown, f"{info.name} names unknown findings {unknown}"
    for finding in FINDINGS:
        if finding.data:
            assert finding.id in next(d.evidence for d in data_files() if d.name == finding.data)
