"""Pharmacokinetics against label values, and the direction of each drug's effect.

Half-lives and volumes were taken from the labels, so matching Cmax and half-life is
a consistency check of the dosing machinery (routes, units, bioavailability, repeated
dosing), not independent validation of the model.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import internal


def terminal_half_life(times: np.ndarray, concentration: np.ndarray, start: float,
                       end: float) -> float:
    window = (times >= start) & (times <= end)
    slope = np.polyfit(times[window], np.log(concentration[window]), 1)[0]
    return math.log(2) / -slope


@pytest.mark.parametrize(
    ("agent", "amount", "unit", "state", "cmax_range", "tmax_range", "half_life_range_h"),
    [
        ("infliximab", 5, "mg/kg", "IFX", (90, 150), (0, 1), (8 * 24, 10 * 24)),
        ("tocilizumab", 8, "mg/kg", "TCZ", (120, 220), (0, 1), (10 * 24, 14 * 24)),
        ("dexamethasone", 4, "mg", "DEX", (30, 70), (1, 3), (3, 5)),
        ("sertraline", 100, "mg", "SER", (15, 50), (4, 10), (22, 30)),
        ("paroxetine", 20, "mg", "PAR", (5, 20), (3, 9), (18, 24)),
        ("nsaid", 400, "mg", "NSAID", (20, 45), (0.5, 2.5), (1.5, 2.5)),
        ("antibiotic", 875, "mg", "ABX", (8, 20), (1, 3), (0.9, 1.5)),
        ("ifn_alpha", 180, "ug", "IFN", (8, 25), (40, 110), (60, 300)),
    ],
)
def test_single_dose_pk_matches_the_label(inline, agent, amount, unit, state, cmax_range,
                                          tmax_range, half_life_range_h):
    duration = max(6 * half_life_range_h[1], 24)
    result = inline(duration, [{"agent": agent, "amount": amount, "unit": unit, "at_h": 0}],
                    output_step_h=min(0.05 * half_life_range_h[0], 1.0))
    concentration = internal(result, [state])[state]
    peak = int(np.argmax(concentration))
    assert cmax_range[0] <= concentration[peak] <= cmax_range[1]
    assert tmax_range[0] <= result.time_h[peak] <= tmax_range[1]
    start = result.time_h[peak] + 2 * half_life_range_h[0]
    half_life = terminal_half_life(result.time_h, concentration, start, start
                                   + 2 * half_life_range_h[0])
    assert half_life_range_h[0] * 0.9 <= half_life <= half_life_range_h[1] * 1.1


def test_repeated_ssri_dosing_reaches_steady_state_in_about_a_week(inline):
    """Sertraline label: steady state in about one week of daily dosing."""
    result = inline(24 * 21, [{"agent": "sertraline", "amount": 50, "unit": "mg", "at_h": 0,
                               "every_h": 24, "until_h": 24 * 20}])
    level = internal(result, ["SER"])["SER"]
    trough = {day: np.interp(24 * day - 0.01, result.time_h, level) for day in (7, 20)}
    assert trough[7] > 0.85 * trough[20]
    assert 15 <= trough[20] <= 40  # ng/mL at 50 mg/day


def test_ssri_occupies_most_transporters_at_usual_doses(inline):
    """About 80% striatal SERT occupancy at 50 mg sertraline / 20 mg paroxetine."""
    for agent, dose in (("sertraline", 50), ("paroxetine", 20)):
        result = inline(24 * 14, [{"agent": agent, "amount": dose, "unit": "mg", "at_h": 0,
                                   "every_h": 24, "until_h": 24 * 13}])
        occupancy = internal(result, ["sert_occupancy"])["sert_occupancy"]
        assert 0.7 <= occupancy[-1] <= 0.95, agent


def test_hydrocortisone_enters_the_cortisol_pool(inline):
    result = inline(12, [{"agent": "hydrocortisone", "amount": 100, "unit": "mg", "at_h": 1}])
    cortisol = result["cortisol_nmol_L"]
    assert cortisol.max() > 2000
    after = result.time_h > 1.2
    half_life = terminal_half_life(result.time_h[after], cortisol[after], 2.0, 5.0)
    assert 0.8 <= half_life <= 2.0  # hydrocortisone plasma half-life about 1-1.5 h


def test_probiotic_colonises_transiently(inline):
    result = inline(24 * 14, [{"agent": "probiotic", "amount": 1e10, "unit": "CFU",
                               "at_h": 0, "every_h": 24, "until_h": 24 * 6}])
    level = internal(result, ["PRO"])["PRO"]
    assert level[np.searchsorted(result.time_h, 24 * 6.9)] > 5 * level[-1]
