"""Baseline inflammation: what the trait does in one patient, and the population's resting CRP.

The population test guards the calibration (the covariate was fitted to NHANES resting
CRP): it fails when a model change moves resting CRP away from the data the covariate
was fitted to, and is no evidence that the model is right (the held-out comparison with
depression is in docs/population.md).
"""

from __future__ import annotations

import numpy as np
import pytest

import neuroimmune as ni
from neuroimmune.engines.jax_engine import JaxBatchedEngine
from neuroimmune.population import patient_overrides, sample_patients
from neuroimmune.population.targets import CRP_CALIBRATION, resting_crp_and_hamd, summarise


@pytest.fixture(scope="module")
def resting():
    """Resting values of the reference patient and of one at the population's median trait."""
    return {x: ni.simulate("baseline", baseline_inflammation=x) for x in (1.0, 4.71, 10.0)}


def test_reference_patient_rests_at_the_janum_cohort_il6_and_a_low_crp(resting):
    reference = resting[1.0]
    assert reference["IL6_pg_mL"][0] == pytest.approx(0.6, rel=0.1)
    assert 0.3 < reference["CRP_mg_L"][0] < 0.8


def test_more_baseline_inflammation_raises_il6_and_crp_but_not_tnf(resting):
    reference, median, high = resting[1.0], resting[4.71], resting[10.0]
    # constitutive IL-6 scales with the trait (monocytes add little at rest)
    assert median["IL6_pg_mL"][0] == pytest.approx(4.71 * reference["IL6_pg_mL"][0], rel=0.1)
    # CRP follows IL-6 through the liver: about the US adult median at the population median
    assert 1.5 < median["CRP_mg_L"][0] < 3.0
    assert high["CRP_mg_L"][0] > 4.0
    # adipose tissue releases IL-6, not TNF, into plasma (Mohamed-Ali et al. 1997)
    assert high["TNF_pg_mL"][0] == pytest.approx(reference["TNF_pg_mL"][0], rel=0.05)
    # mood moves, but by a fraction of a HAM-D point, not into depression
    assert 0 < high["hamd"][0] - reference["hamd"][0] < 1.5


def test_sampled_patients_rest_near_the_us_adult_crp_they_were_fitted_to():
    rows = patient_overrides(sample_patients(1024, seed=21))
    summary = summarise(*resting_crp_and_hamd(JaxBatchedEngine(), rows))
    assert summary.patients >= 1020
    assert summary.median_mg_L == pytest.approx(CRP_CALIBRATION.median_mg_L, rel=0.2)
    assert summary.share_above_3 == pytest.approx(CRP_CALIBRATION.share_above_3, abs=0.06)
    # a long upper tail, as in NHANES (not fitted: 7.4% above 10 mg/L on 16,384 patients)
    assert 0.02 < summary.share_above_10 < 0.15


def test_summary_counts_the_depressed_and_their_odds_of_high_crp():
    # 10 depressed (5 above 3 mg/L), 90 others (30 above): odds 1 against 0.5, ratio 2
    hamd = np.r_[np.full(10, 20.0), np.full(90, 5.0)]
    crp = np.r_[np.full(5, 4.0), np.full(5, 1.5), np.full(30, 6.0), np.full(60, 0.8)]
    summary = summarise(crp, hamd)
    assert summary.depressed == 10
    assert summary.depressed_share_above_3 == 0.5
    assert summary.share_above_3 == pytest.approx(0.35)
    assert summary.odds_ratio_above_3 == pytest.approx((5.5 / 5.5) / (30.5 / 60.5))
    low, high = summary.odds_ratio_ci95
    assert low < 1 < summary.odds_ratio_above_3 < high  # ten depressed patients prove little
