"""Identifiability on objectives with known answers: profiles, R-hat/ESS, and the convergence rule."""

from __future__ import annotations

import numpy as np
import pypesto
import pypesto.objective
import pytest

from neuroimmune.calibration.identifiability import summarise, table_lines
from neuroimmune.calibration.profiles import (
    IDENTIFIABLE,
    NOT_IDENTIFIABLE,
    ONE_SIDED,
    THRESHOLD,
    ProfileSettings,
    confidence_interval,
    profile_likelihood,
    verdict,
)
from neuroimmune.calibration.sampling import Diagnostic, all_converged, diagnose, run_chains

SD = np.array([0.1, 0.3])
"""Standard deviations of the quadratic NLL's two determined directions (log10 units)."""


def quadratic_nll(x: np.ndarray) -> float:
    """Gaussian NLL in x[0] and x[1] - x[0] (correlated), flat in x[2]."""
    x = np.asarray(x, float)
    return float(0.5 * (x[0] / SD[0]) ** 2 + 0.5 * ((x[1] - x[0]) / SD[1]) ** 2)


def quadratic_problem() -> pypesto.Problem:
    objective = pypesto.objective.FD(pypesto.Objective(fun=quadratic_nll), grad=True,
                                     method="central", delta_grad=1e-6)
    return pypesto.Problem(objective, lb=[-1, -2, -2], ub=[1, 2, 2], x_names=["a", "b", "flat"])


@pytest.fixture(scope="module")
def profiles():
    settings = ProfileSettings(steps=40, max_iterations=100)
    return {p.name: p for p in profile_likelihood(quadratic_problem(), np.zeros(3), 0.0, settings)}


def test_threshold_is_half_the_chi2_quantile():
    assert abs(THRESHOLD - 3.841459 / 2) < 1e-6


def test_quadratic_profile_interval_equals_the_analytic_one(profiles):
    # Profile of a Gaussian: delta NLL = x^2 / (2 var), var the marginal variance.
    marginal_sd = {"a": SD[0], "b": float(np.hypot(SD[0], SD[1]))}
    for name, sd in marginal_sd.items():
        half_width = sd * np.sqrt(2 * THRESHOLD)
        low, high = profiles[name].interval()
        assert low == pytest.approx(-half_width, abs=1e-3), name
        assert high == pytest.approx(half_width, abs=1e-3), name
        assert profiles[name].verdict() == IDENTIFIABLE


def test_flat_direction_is_not_identifiable(profiles):
    flat = profiles["flat"]
    assert flat.interval() == (None, None)
    assert flat.verdict() == NOT_IDENTIFIABLE
    assert flat.x.min() == pytest.approx(-2) and flat.x.max() == pytest.approx(2)
    assert np.all(np.abs(flat.delta_nll) < 1e-6)


def test_a_profile_crossing_on_one_side_is_bounded_on_one_side():
    x = np.linspace(0.0, 1.0, 11)
    delta = 10 * np.maximum(x - 0.5, 0.0) ** 2 * 10  # flat below 0.5, steep above
    low, high = confidence_interval(x, delta, best=0.3)
    assert low is None and high is not None and 0.5 < high < 0.7
    assert verdict(low, high) == ONE_SIDED


def iid_chains(means: list[float], n_draws: int = 2000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([rng.normal(m, 1.0, size=(n_draws, 1)) for m in means])


def test_rhat_is_near_one_for_well_mixed_chains():
    (d,) = diagnose(["x"], iid_chains([0, 0, 0, 0]))
    assert abs(d.rhat - 1) < 0.01
    assert d.ess_bulk > 6000 and d.ess_tail > 4000  # iid: close to the 8,000 draws
    assert d.converged()


def test_rhat_flags_chains_with_different_means():
    (d,) = diagnose(["x"], iid_chains([0, 0, 0, 1.0]))
    assert d.rhat > 1.05
    assert not d.converged()


def test_no_posterior_verdict_from_an_unconverged_run():
    pooled = np.zeros((10, 2))
    good = Diagnostic("a", 1.001, 5000.0, 4000.0)
    bad = Diagnostic("b", 1.2, 35.0, 20.0)
    rows = summarise(["a", "b"], [0.0, 0.0], [-1, -1], [1, 1], None, [good, bad], pooled)
    assert not all_converged([good, bad])
    for row in rows:
        assert row.posterior is None
        assert row.posterior_text().startswith("not converged: R-hat")
        assert "run more samples" in row.posterior_text()
    assert "not converged: R-hat 1.200, ESS 20; run more samples" in "\n".join(table_lines(rows))
    converged = summarise(["a", "b"], [0.0, 0.0], [-1, -1], [1, 1], None, [good, good], pooled)
    assert all(r.posterior == (0.0, 0.0, 0.0) for r in converged)


def test_low_ess_alone_is_not_converged():
    assert not Diagnostic("a", 1.001, 150.0, 5000.0).converged()


def test_chains_are_reproducible_from_the_seed_and_recover_a_gaussian():
    def nll(x):
        return float(0.5 * np.sum((np.asarray(x) / SD) ** 2))

    first = run_chains(nll, [-2, -2], [2, 2], ["a", "b"], [0, 0], 2000, 4, seed=5)
    second = run_chains(nll, [-2, -2], [2, 2], ["a", "b"], [0, 0], 2000, 4, seed=5)
    other = run_chains(nll, [-2, -2], [2, 2], ["a", "b"], [0, 0], 2000, 4, seed=6)
    assert np.array_equal(first.traces, second.traces)
    assert not np.array_equal(first.traces, other.traces)
    assert len(set(map(tuple, first.starts))) == 4  # dispersed, not one start
    assert first.draws.shape == (4, 1001, 2)
    assert np.allclose(first.pooled().std(axis=0), SD, rtol=0.15)


def test_profile_and_chain_figures_are_written(tmp_path, profiles):
    from neuroimmune.plotting.calibration import plot_chains, plot_profiles

    chains = run_chains(quadratic_nll, [-1, -2, -2], [1, 2, 2], ["a", "b", "flat"], [0, 0, 0], 200, 2)
    plot_profiles(list(profiles.values()), tmp_path / "profiles.png")
    plot_chains(chains, [-1, -2, -2], [1, 2, 2], tmp_path / "chains.png")
    assert (tmp_path / "profiles.png").stat().st_size > 10_000
    assert (tmp_path / "chains.png").stat().st_size > 10_000
