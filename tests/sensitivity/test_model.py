"""Sensitivity of the real model (in-process engine): reproducible, and physiologically sane.

In the 24 h endotoxin challenge the TNF peak is set by monocyte TNF release
(``p_TNF_monocyte``, three decades of plausible range). CRP elimination (``k_CRP``)
and commensal growth (``r_commensals``) cannot reach plasma TNF within a day: CRP
feeds back on nothing upstream, and the gut flora changes over weeks. A Sobol or
Morris analysis that ranks them otherwise is broken.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from neuroimmune.population import InProcessEngine, RunSettings
from neuroimmune.sensitivity import plot_indices, run_sensitivity

PARAMETERS = ("p_TNF_monocyte", "k_CRP", "r_commensals")
OUTCOMES = ("TNF_pg_mL:peak",)
SETTINGS = RunSettings(workers=0, chunk_size=16, progress=False)


def sobol(seed: int = 7, chunk_size: int = 16):
    settings = RunSettings(workers=0, chunk_size=chunk_size, progress=False)
    return run_sensitivity("lps_2ngkg", OUTCOMES, "sobol", 16, seed, PARAMETERS, settings,
                           InProcessEngine())


@pytest.fixture(scope="module")
def sobol_result():
    return sobol()


def test_tnf_peak_is_driven_by_monocyte_release_not_by_crp_or_gut(sobol_result):
    frame = sobol_result.indices["TNF_pg_mL:peak"]
    tnf, crp, gut = (frame.loc[name] for name in PARAMETERS)
    assert tnf["ST"] > 0.5
    assert tnf["ST"] - tnf["ST_conf"] > crp["ST"] + crp["ST_conf"]
    assert tnf["ST"] - tnf["ST_conf"] > gut["ST"] + gut["ST_conf"]
    for irrelevant in (crp, gut):
        assert irrelevant["ST"] < 0.01
        assert irrelevant["ST"] - irrelevant["ST_conf"] <= 1e-3   # zero lies in (or at) the CI
    assert sobol_result.ranking("TNF_pg_mL:peak")[0] == "p_TNF_monocyte"
    assert sobol_result.failed_evaluations == 0


def test_the_same_seed_gives_the_same_result_bit_for_bit(sobol_result):
    again = sobol(chunk_size=5)   # other chunks, same answer
    assert again.evaluations.equals(sobol_result.evaluations)
    assert again.indices["TNF_pg_mL:peak"].equals(sobol_result.indices["TNF_pg_mL:peak"])
    assert again.summary()["outcomes"] == sobol_result.summary()["outcomes"]


CLI = "from neuroimmune.sensitivity.command import sensitivity; sensitivity()"


def test_fresh_processes_give_the_same_files_bit_for_bit(tmp_path):
    """What users rerun: the command, each time in a new process, with its own engine."""
    for name in ("first", "second"):
        subprocess.run([sys.executable, "-c", CLI, "lps_2ngkg", "--outcome", "TNF_pg_mL:peak",
                        "--n", "4", "--seed", "11", "--parameters", "p_TNF_monocyte,k_TNF",
                        "--workers", "0", "--quiet", "--no-plot", "--out", str(tmp_path / name)],
                       check=True, capture_output=True, timeout=120)
    first, second = tmp_path / "first", tmp_path / "second"
    assert (first / "indices.csv").read_bytes() == (second / "indices.csv").read_bytes()
    assert pd.read_parquet(first / "evaluations.parquet").equals(
        pd.read_parquet(second / "evaluations.parquet"))


def test_morris_ranks_the_pair_the_same_way():
    result = run_sensitivity("lps_2ngkg", OUTCOMES, "morris", 6, 3, PARAMETERS, SETTINGS,
                             InProcessEngine())
    frame = result.indices["TNF_pg_mL:peak"]
    tnf, crp = frame.loc["p_TNF_monocyte"], frame.loc["k_CRP"]
    assert tnf["mu_star"] - tnf["mu_star_conf"] > crp["mu_star"] + crp["mu_star_conf"]
    assert crp["mu_star"] < 1e-3 * tnf["mu_star"]
    assert result.ranking("TNF_pg_mL:peak")[0] == "p_TNF_monocyte"


def test_written_files_and_figure(sobol_result, tmp_path):
    sobol_result.write(tmp_path)
    figure = plot_indices(sobol_result, tmp_path / "indices.png")
    assert figure.axes
    assert {p.name for p in tmp_path.iterdir()} == {
        "indices.csv", "summary.json", "evaluations.parquet", "indices.png"}
    table = (tmp_path / "indices.csv").read_text().splitlines()
    assert table[0] == "outcome,parameter,S1,S1_conf,ST,ST_conf"
    assert len(table) == 1 + len(PARAMETERS)
    assert np.isfinite(sobol_result.table()[["S1", "ST"]].to_numpy()).all()
