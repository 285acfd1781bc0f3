"""Biological motifs shared by every subsystem, as SBML function definitions.

Rate laws call these by name (``hill_up(TNF, tnf_il6_ec50, tnf_il6_hill)``) instead
of repeating Hill algebra, so a reader sees the biology and the SBML export carries
the same functions for COPASI and Tellurium users.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Motif:
    """A named function of its arguments, written in SBML Level 3 infix."""

    name: str
    arguments: tuple[str, ...]
    body: str
    description: str


MOTIFS: tuple[Motif, ...] = (
    Motif(
        "hill_up",
        ("x", "K", "n"),
        "piecewise(0, x <= 0, x^n / (x^n + K^n))",
        "saturating activation: 0 at x = 0, one half at x = K, towards 1 above",
    ),
    Motif(
        "saturating",
        ("x", "K"),
        "x / (x + K)",
        "Michaelis-Menten saturation, one half at x = K; smooth through x = 0, so it suits"
        " quantities that rest at zero (pathogens, drugs) where a guarded Hill term would"
        " put a kink in front of the solver",
    ),
    Motif(
        "hill_down",
        ("x", "K", "n"),
        "piecewise(1, x <= 0, K^n / (x^n + K^n))",
        "saturating inhibition: 1 at x = 0, one half at x = K, towards 0 above",
    ),
    Motif(
        "positive",
        ("x", "w"),
        "piecewise(x, x > 0, 0) + w * ln(1 + exp(-abs(x) / w))",
        "the part of x above zero, smoothed over a width w (softplus) so the solver"
        " never meets a kink; written with abs(x) so that exp never overflows and array"
        " code evaluates one exponential, not one per branch",
    ),
    Motif(
        "free_ligand",
        ("total", "capacity", "K", "linear"),
        "(((linear * K + capacity - total)^2 + 4 * linear * K * total)^0.5"
        " - (linear * K + capacity - total)) / (2 * linear)",
        "the free part of a ligand held by a saturable binder (binding capacity, dissociation"
        " constant K) and a linear one (linear = 1 + bound/free ratio of the linear binder):"
        " the positive root of total = linear * free + capacity * free / (free + K)",
    ),
    Motif(
        "relative_gain",
        ("x", "g"),
        "(1 + g * x) / (1 + g)",
        "a modulation equal to 1 when x is at its reference value 1, rising with gain g",
    ),
    Motif(
        "relative_brake",
        ("x", "g"),
        "(1 + g) / (1 + g * x)",
        "a modulation equal to 1 when x is at its reference value 1, falling with gain g",
    ),
)
