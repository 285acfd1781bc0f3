"""Virtual patients: reproducible from a seed, and drawn from the installed distribution."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neuroimmune.model.compose import compose
from neuroimmune.population import COVARIATES, load_distribution, model_columns, sample_patients

N = 2000


@pytest.fixture(scope="module")
def patients() -> pd.DataFrame:
    return sample_patients(N, seed=11)


def test_same_seed_gives_identical_patients(patients):
    pd.testing.assert_frame_equal(patients, sample_patients(N, seed=11))
    assert not sample_patients(N, seed=12).equals(patients)


def test_one_row_per_patient_with_parameters_and_covariates(patients):
    distribution = load_distribution()
    assert list(patients.index) == list(range(N))
    assert patients.index.name == "patient_id"
    assert list(patients.columns) == [*distribution.names, *(c.name for c in COVARIATES)]
    known = compose().parameters
    assert set(model_columns(patients)) == {c for c in patients.columns if c in known}
    assert {"age_years", "sex"}.isdisjoint(model_columns(patients))


def _clipped_reference(distribution, draws: int = 400_000) -> np.ndarray:
    """log10 draws of the file's distribution, clipped to the ranges (numpy's own MVN)."""
    rng = np.random.default_rng(2024)
    log10 = rng.multivariate_normal(distribution.log10_mean, distribution.covariance, draws)
    ranges = compose().parameters
    low = np.log10([ranges[n].low for n in distribution.names])
    high = np.log10([ranges[n].high for n in distribution.names])
    return np.clip(log10, low, high)


def test_parameters_follow_the_distribution_file(patients):
    distribution = load_distribution()
    sample = np.log10(patients[list(distribution.names)].to_numpy())
    reference = _clipped_reference(distribution)
    ranges = compose().parameters
    for i, name in enumerate(distribution.names):
        assert ranges[name].low <= patients[name].min() <= patients[name].max() <= ranges[name].high
        sd = reference[:, i].std()
        assert abs(sample[:, i].mean() - reference[:, i].mean()) < 4 * sd / np.sqrt(N), name
        assert sample[:, i].std() == pytest.approx(sd, rel=0.1), name
        bounds = np.log10([ranges[name].low, ranges[name].high])
        clipped = np.mean((reference[:, i] <= bounds[0]) | (reference[:, i] >= bounds[1]))
        if clipped < 1e-3:  # unclipped: the file's own numbers are recovered
            assert sample[:, i].mean() == pytest.approx(distribution.log10_mean[i], abs=0.02), name
            assert sample[:, i].std() == pytest.approx(distribution.log10_sd[i], rel=0.1), name
    correlation = np.corrcoef(sample, rowvar=False)
    assert np.max(np.abs(correlation - np.corrcoef(reference, rowvar=False))) < 0.1


def test_covariates_follow_their_tables(patients):
    table = {c.name: c.arguments for c in COVARIATES}
    assert 0.45 < (patients["sex"] == "male").mean() < 0.55
    assert patients["age_years"].between(18, 80).all()
    assert patients["body_weight_kg"].between(40, 150).all()
    for sex in ("female", "male"):
        weights = patients.loc[patients["sex"] == sex, "body_weight_kg"]
        assert weights.mean() == pytest.approx(table["body_weight_kg"]["mean"][sex], abs=2.0)
    assert patients["microbiome_health"].between(0.2, 1.0).all()
    for name in ("baseline_stress", "depression_vulnerability", "microbiome_health"):
        a, b, low, high = (table[name][k] for k in ("a", "b", "low", "high"))
        expected = low + (high - low) * a / (a + b)
        assert patients[name].mean() == pytest.approx(expected, abs=0.02), name
    inflammation = table["baseline_inflammation"]
    logs = np.log(patients["baseline_inflammation"])
    assert patients["baseline_inflammation"].between(inflammation["low"], inflammation["high"]).all()
    assert np.exp(np.median(logs)) == pytest.approx(inflammation["median"], rel=0.06)
    assert np.exp(logs.std()) == pytest.approx(inflammation["gsd"], rel=0.05)


def test_every_covariate_names_a_source():
    for covariate in COVARIATES:
        assert covariate.source.strip(), covariate.name
        assert covariate.name in compose().parameters or covariate.name in {"sex", "age_years"}
