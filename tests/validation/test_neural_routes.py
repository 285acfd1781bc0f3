"""Routes between the immune system and the brain, held to the human studies they come from.

The cholinergic pathway is read as Koopman et al. 2016 measured it (blood stimulated with
LPS ex vivo) and bounded in vivo by Kox et al. 2015; cytokine signalling reaches the
brain by transport, by the humoral prostaglandin route (where NSAIDs act) and by vagal
afferents.
"""

from __future__ import annotations

import numpy as np
import pytest

from neuroimmune.model.compose import compose
from neuroimmune.simulation import read_symbols

VNS_1_MIN = {"agent": "vns", "from_h": 0.0, "to_h": 1 / 60, "intensity": 1.0}
LPS_2 = {"agent": "lps", "amount": 2.0, "unit": "ng/kg", "route": "iv", "at_h": 1.0}
IBUPROFEN = {"agent": "nsaid", "amount": 400.0, "unit": "mg", "route": "oral", "at_h": 0.0}
SAMPLE_H = 4.0 + 1 / 60  # Koopman: blood drawn 4 h after the stimulation


def _at(result, symbol: str, time_h: float) -> float:
    series = read_symbols(result, [symbol])[symbol]
    return float(np.interp(time_h, result.time_h, series))


def _route_inputs(result) -> dict[str, float]:
    """Brain cytokine input carried by each route over the first day (relative units)."""
    values = compose().default_values()
    read = read_symbols(result, ["cytokine_transport", "PGE2", "vagal_afferent"])
    t = result.time_h
    inside = t <= 24
    return {
        "transport": float(np.trapezoid(read["cytokine_transport"][inside], t[inside])),
        "humoral": float(np.trapezoid(values["p_brain_cyt_humoral"] * read["PGE2"][inside], t[inside])),
        "vagal": float(np.trapezoid(values["p_brain_cyt_vagal"] * read["vagal_afferent"][inside], t[inside])),
    }


def test_resting_ex_vivo_tnf_is_of_the_order_of_an_assay(inline):
    rest = inline(6.0, [])
    assert 200.0 < _at(rest, "ex_vivo_TNF", 0.0) < 5000.0


def test_ex_vivo_tnf_falls_after_vns_by_about_the_koopman_size(inline):
    """Koopman 2016: LPS-stimulated whole-blood TNF about 35% lower 4 h after stimulation."""
    stimulated, control = inline(5.0, [VNS_1_MIN]), inline(5.0, [])
    ratio = _at(stimulated, "ex_vivo_TNF", SAMPLE_H) / _at(control, "ex_vivo_TNF", SAMPLE_H)
    assert 0.55 < ratio < 0.75


def test_vns_before_endotoxin_leaves_plasma_tnf_within_the_kox_bound(inline):
    """Kox 2015: 30 min of VNS from 10 min before 2 ng/kg did not change plasma cytokines."""
    lps = {**LPS_2, "at_h": 1 / 6}
    vns = inline(12.0, [{"agent": "vns", "from_h": 0.0, "to_h": 0.5, "intensity": 1.0}, lps])
    sham = inline(12.0, [lps])
    rise = {name: r.values["TNF_pg_mL"].max() - r.values["TNF_pg_mL"][0]
            for name, r in (("vns", vns), ("sham", sham))}
    assert 0.8 < rise["vns"] / rise["sham"] < 1.25


def test_the_humoral_route_carries_most_brain_input_after_endotoxin(builtin):
    routes = _route_inputs(builtin("lps_2ngkg"))
    total = sum(routes.values())
    assert routes["humoral"] / total > 0.5
    assert routes["vagal"] < routes["humoral"]
    assert routes["transport"] / total < 0.1


def test_an_nsaid_lowers_brain_input_through_cox_not_vagal_firing(inline):
    with_nsaid, without = inline(24.0, [IBUPROFEN, LPS_2]), inline(24.0, [LPS_2])
    treated, untreated = _route_inputs(with_nsaid), _route_inputs(without)
    assert treated["humoral"] < 0.5 * untreated["humoral"]
    assert treated["vagal"] > 0.8 * untreated["vagal"]  # vagal firing is not halved by COX blockade
    for symbol in ("brain_cyt", "sickness"):
        peak = {name: read_symbols(r, [symbol])[symbol].max()
                for name, r in (("treated", with_nsaid), ("untreated", without))}
        assert peak["treated"] < peak["untreated"], symbol


@pytest.mark.parametrize("dose", [0.8, 2.0])
def test_brain_cytokines_follow_plasma_tnf_with_latency(inline, dose):
    """Engler 2017: CSF IL-6 rose after 0.8 ng/kg 'with some latency' after plasma cytokines."""
    result = inline(12.0, [{**LPS_2, "amount": dose, "at_h": 0.0}])
    brain = read_symbols(result, ["brain_cyt"])["brain_cyt"]
    t = result.time_h
    assert t[np.argmax(brain)] > t[np.argmax(result.values["TNF_pg_mL"])] + 0.5
