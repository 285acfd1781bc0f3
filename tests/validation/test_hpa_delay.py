"""The HPA axis answers endotoxin hours after the cytokines, as in human endotoxemia.

ACTH peaks 2-3 h and cortisol 3-4 h after a 2 ng/kg bolus, later than TNF and IL-6
(human studies as summarised by Malek et al. 2015). The ACTH time and the size of the
cortisol rise were fitted (``tools/fit_hpa_lps.py``); the cortisol time and the order
of the peaks follow from the model.
"""

from __future__ import annotations

from dataclasses import replace

import neuroimmune as ni
from tests.conftest import peak_time


def test_acth_then_cortisol_peak_in_the_human_windows_after_the_cytokines(builtin):
    lps = builtin("lps_2ngkg")
    cytokines = max(peak_time(lps, "TNF_pg_mL"), peak_time(lps, "IL6_pg_mL"))
    acth, cortisol = peak_time(lps, "ACTH_pg_mL"), peak_time(lps, "cortisol_nmol_L")
    assert 2.0 <= acth <= 3.0
    assert 3.0 <= cortisol <= 4.0
    assert cytokines + 0.25 <= acth < cortisol


def test_without_the_delay_acth_peaks_with_the_cytokines():
    """The lag is the transit chain's doing, not the cytokines' own timing."""
    scenario = replace(ni.load_scenario("lps_2ngkg"), duration_h=8.0)
    instant, delayed = ni.simulate(scenario, hpa_cytokine_delay_h=0.1), ni.simulate(scenario)
    cytokines = max(peak_time(instant, "TNF_pg_mL"), peak_time(instant, "IL6_pg_mL"))
    assert peak_time(instant, "ACTH_pg_mL") <= cytokines + 0.25
    assert peak_time(instant, "ACTH_pg_mL") + 0.25 < peak_time(delayed, "ACTH_pg_mL")
