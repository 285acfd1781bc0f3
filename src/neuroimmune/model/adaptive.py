"""Adaptive immunity: effector (Th17-like) versus regulatory T cells.

After the mucosal model of Leber et al. 2015 in spirit: antigen, helped by IL-6,
expands effectors; regulatory T cells, induced by gut short-chain fatty acids (Smith
et al. 2013; Arpaia et al. 2013), restrain them. Autoreactive help that grows with the
effector pool itself makes the system bistable when autoreactivity is high: an
infection can then tip a susceptible patient into a self-sustained flare. TNF amplifies
that autoreactive help (co-stimulation, tissue inflammation), which is why TNF blockade
can end a flare.
"""

from neuroimmune.model.core import Derived, State, Subsystem, load_parameters

SUBSYSTEM = Subsystem(
    name="adaptive",
    title="Adaptive and autoimmune",
    states=(
        State("antigen_presentation", "dimensionless", 0.0,
              "k_antigen_presentation * (saturating(pathogen_load, antigen_ec50)"
              " - antigen_presentation)",
              "dendritic-cell antigen presentation in lymph nodes (0-1), lagging the pathogen"),
        State("Teff", "dimensionless", 1.0,
              "k_teff * ((1 + teff_antigen_gain * antigen_presentation"
              " * relative_gain(il6_signal / IL6_basal, il6_th17_gain)"
              " + autoreactivity * hill_up(Teff, teff_auto_ec50, teff_auto_hill)"
              " * relative_gain(TNF / TNF_basal, tnf_autoimmune_gain))"
              " * relative_brake(Treg, treg_suppression_gain) * gc_suppression / gc_suppression_reference"
              " - Teff)",
              "effector (Th17-like) T cells relative to health"),
        State("Treg", "dimensionless", 1.0,
              "k_treg * (1 + scfa_treg_gain * (SCFA - 1) - Treg)",
              "regulatory T cells relative to health"),
    ),
    derived=(
        Derived("effector_excess", "dimensionless", "positive(Teff - 1, smoothing_width)",
                "effector T cells above the healthy level"),
    ),
    parameters=load_parameters("adaptive"),
)
