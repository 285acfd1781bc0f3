"""Fever and heart rate: the humoral route of cytokines to the hypothalamus.

Circulating cytokines induce cyclooxygenase-2 in brain endothelium and circumventricular
organs; the prostaglandin E2 they make raises the hypothalamic set point of body
temperature, and the body follows it over about an hour (shivering, vasoconstriction).
Heart rate rises with temperature. The prostaglandin signal reads the plasma cytokines
as the barrier sees them (``peripheral_cytokines``), and NSAIDs act here by inhibiting
COX (``cox_inhibition``). The same endothelial prostaglandin signal is the humoral route
of cytokine signalling into the brain (``bbb``: brain cytokines, microglia, sickness), so
its time course, fitted to human fever, also times that route. No circadian temperature
rhythm is modelled.
"""

from neuroimmune.model.core import Derived, State, Subsystem, load_parameters

SUBSYSTEM = Subsystem(
    name="fever",
    title="Fever and heart rate",
    states=(
        State("PGE2", "dimensionless", 0.0,
              "k_PGE2 * (hill_up(peripheral_cytokines, pge2_cytokine_ec50, pge2_cytokine_hill)"
              " * (1 - cox_inhibition) - PGE2)",
              "hypothalamic prostaglandin E2 signal from endothelial COX-2 (0-1, share of maximal)"),
        State("temperature", "degC", 36.8,
              "k_temperature * (temperature_rest + fever_max * PGE2 - temperature)",
              "core body temperature, following the PGE2-raised set point"),
    ),
    derived=(
        Derived("heart_rate", "beats/min",
                "heart_rate_rest + heart_rate_per_degC * (temperature - temperature_rest)",
                "heart rate, rising with core temperature"),
    ),
    parameters=load_parameters("fever"),
)
