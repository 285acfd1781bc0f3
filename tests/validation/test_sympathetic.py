"""Epinephrine against its human sources: steady-state kinetics and the endotoxin response.

The sizes scored with acceptance bands live in the evidence table
(``evidence/findings/sympathetic.toml``); these tests hold the mechanism to its direction
and rough size so a change elsewhere in the model that undoes it fails here by name.
"""

from __future__ import annotations

import numpy as np

from tests.conftest import at, internal

LPS = {"agent": "lps", "amount": 2.0, "unit": "ng/kg", "at_h": 3.0}
# van der Poll et al. 1996 J Clin Invest 97:713, EPI-3: 30 ng/kg/min from 3 h before endotoxin
EPINEPHRINE = {"agent": "epinephrine", "amount": 16.2, "unit": "ug/kg", "from_h": 0.0,
               "to_h": 9.0}


def test_nothing_changes_at_rest(inline):
    result = inline(6, [])
    symbols = internal(result, ["EPI", "epinephrine_beta2_signal", "adrenergic_tone", "SNS"])
    assert np.allclose(symbols["EPI"], 50.0, rtol=1e-3)
    assert np.allclose(symbols["epinephrine_beta2_signal"], 0.0, atol=1e-3)
    assert np.allclose(symbols["adrenergic_tone"], symbols["SNS"])


def test_infusion_reaches_a_stress_level_within_minutes_and_clears_as_fast(inline):
    """30 ng/kg/min over a clearance of about 34 mL/kg/min: about 0.9 ng/mL above rest."""
    result = inline(6, [EPINEPHRINE | {"to_h": 3.0, "amount": 5.4}], output_step_h=0.05)
    level = internal(result, ["EPI"])["EPI"]
    steady = float(np.interp(2.5, result.time_h, level))
    assert 700 <= steady <= 1200
    assert np.interp(0.5, result.time_h, level) > 0.95 * steady
    assert np.interp(3.5, result.time_h, level) < 60


def test_epinephrine_lowers_the_endotoxin_tnf_peak_by_about_half(inline):
    alone = inline(12, [LPS], clock_start_h=5)
    treated = inline(12, [LPS, EPINEPHRINE], clock_start_h=5)
    ratio = treated["TNF_pg_mL"].max() / alone["TNF_pg_mL"].max()
    assert 0.3 <= ratio <= 0.75  # van der Poll 1996: inhibited, P < 0.005 (finding row: 0.5)
    assert treated["IL6_pg_mL"].max() < 0.9 * alone["IL6_pg_mL"].max()  # Kox et al. 2014


def test_epinephrine_raises_il10_early_and_at_its_peak(inline):
    """Higher IL-10 with epinephrine (van der Poll 1996) and sooner (Kox et al. 2014), while
    TNF and IL-6, which drive most IL-10 without it, fall: cAMP acts on IL-10 directly."""
    alone = inline(12, [LPS], clock_start_h=5)
    treated = inline(12, [LPS, EPINEPHRINE], clock_start_h=5)
    assert at(treated, "IL10_pg_mL", 4.0) > 1.2 * at(alone, "IL10_pg_mL", 4.0)
    assert treated["IL10_pg_mL"].max() > alone["IL10_pg_mL"].max()
    assert treated["IL6_pg_mL"].max() < alone["IL6_pg_mL"].max()


def test_a_day_of_epinephrine_desensitises_the_receptor_and_it_recovers_over_days(inline):
    """Leukocyte beta2 receptors are lost under sustained agonist and come back after it
    (Galant et al. 1978; Cases et al. 1995): the signal of the same plasma level is weaker
    after 24 h than after 3 h, and most of the loss is gone days after the infusion."""
    day = {"agent": "epinephrine", "amount": 43.2, "unit": "ug/kg", "from_h": 0.0,
           "to_h": 24.0}
    result = inline(120, [day], output_step_h=0.5)
    symbols = internal(result, ["epinephrine_beta2_signal", "beta2_desensitisation", "EPI"])
    signal = symbols["epinephrine_beta2_signal"]
    assert np.interp(23.0, result.time_h, symbols["EPI"]) > 700
    assert np.interp(23.0, result.time_h, signal) < 0.7 * np.interp(3.0, result.time_h, signal)
    lost = np.interp(24.0, result.time_h, symbols["beta2_desensitisation"])
    assert np.interp(120.0, result.time_h, symbols["beta2_desensitisation"]) < 0.2 * lost
