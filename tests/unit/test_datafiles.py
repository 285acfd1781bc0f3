"""Data files are found in the package, in a user's folder first when one is given, and a
missing file is reported as missing, naming where it was looked for."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from neuroimmune.cli import main
from neuroimmune.evidence.datafiles import DataNotFoundError, data_files, data_path, packaged_folder

COHORT = "lps_bolus_2ngkg_individuals.csv"


def test_the_package_ships_its_data_with_metadata():
    names = {info.name for info in data_files()}
    assert COHORT in names
    assert data_path(COHORT).parent == packaged_folder()
    assert len(pd.read_csv(data_path(COHORT))["subject"].unique()) == 20


def test_a_users_folder_is_read_first(tmp_path, monkeypatch):
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copyfile(data_path(COHORT), mine / COHORT)
    monkeypatch.setenv("NEUROIMMUNE_DATA", str(mine))
    assert data_path(COHORT) == mine / COHORT
    assert data_path("reference_facts.csv").parent == packaged_folder()  # falls back


def test_a_missing_file_names_every_place_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROIMMUNE_DATA", str(tmp_path))
    with pytest.raises(DataNotFoundError) as error:
        data_path("no_such_study.csv")
    message = str(error.value)
    assert "no_such_study.csv not found" in message
    assert str(tmp_path) in message and str(packaged_folder()) in message
    assert "NEUROIMMUNE_DATA" in message


def test_the_cli_reports_a_bad_data_folder_without_a_traceback(tmp_path):
    result = CliRunner().invoke(main, ["--data", str(tmp_path / "absent"), "scenarios"])
    assert result.exit_code == 2
    assert "no such folder" in result.output
    assert "Traceback" not in result.output
