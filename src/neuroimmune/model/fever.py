"""Fever and heart rate: the humoral route of cytokines to the hypothalamus.

Circulating cytokines induce cyclooxygenase-2 in brain endothelium and circumventricular
organs; the prostaglandin E2 they make raises the hypothalamic set point of body
temperature, and the body follows it over about an hour (shivering, vasoconstriction).
Heart rate rises with temperature. Endothelial COX-2 reads TNF, IL-1beta and IL-6 with
weights of its own (``pyrogen_drive``): IL-6 acting on its receptor on brain endothelium
is a circulating pyrogen that the fever of endotoxin needs (Eskilsson et al. 2014, mice;
Rummel et al. 2006, rats), and it is the cytokine that keeps rising with dose when the
TNF pulse no longer does; its weight is fitted to human fever. NSAIDs act here by
inhibiting COX (``cox_inhibition``). The same endothelial prostaglandin signal is the
humoral route of cytokine signalling into the brain (``bbb``: brain cytokines,
microglia, sickness), so its time course, fitted to human fever, also times that route.
No circadian temperature rhythm is modelled.
"""

from neuroimmune.model.core import Derived, State, Subsystem, load_parameters

SUBSYSTEM = Subsystem(
    name="fever",
    title="Fever and heart rate",
    states=(
        State("PGE2", "dimensionless", 0.0,
              "k_PGE2 * (hill_up(pyrogen_drive, pge2_cytokine_ec50, pge2_cytokine_hill)"
              " * (1 - cox_inhibition) - PGE2)",
              "hypothalamic prostaglandin E2 signal from endothelial COX-2 (0-1, share of maximal)"),
        State("temperature", "degC", 36.8,
              "k_temperature * (temperature_rest + fever_max * PGE2 - temperature)",
              "core body temperature, following the PGE2-raised set point"),
    ),
    derived=(
        Derived("pyrogen_drive", "pg/mL",
                "TNF + il1b_brain_weight * IL1b + pge2_il6_weight * il6_signal",
                "plasma cytokines in TNF-equivalents as brain endothelial COX-2 reads them"),
        Derived("heart_rate", "beats/min",
                "heart_rate_rest + heart_rate_per_degC * (temperature - temperature_rest)",
                "heart rate, rising with core temperature"),
    ),
    parameters=load_parameters("fever"),
)
