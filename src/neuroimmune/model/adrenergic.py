"""The sympathetic arm: beta2-adrenergic signalling on immune cells.

Sympathetic (noradrenergic) outflow from the brain and circulating epinephrine act on
monocytes through the same beta2-adrenergic receptor, restraining TNF release and
raising IL-10 (van der Poll et al. 1996 J Clin Invest). ``adrenergic_tone`` is that
receptor signal relative to rest; the innate subsystem reads it.

Plasma epinephrine is one compartment: the adrenal medulla secretes it at a constant
resting rate and it is cleared within minutes, so an infusion sets a steady level within
a quarter of an hour. The receptor term counts only epinephrine above its resting level,
so the tone is exactly the sympathetic outflow (1) for a person at rest. Adrenal
secretion does not follow sympathetic outflow here: ``SNS`` already carries the
endogenous sympathetic signal, and counting it twice would change the innate fit.
"""

from neuroimmune.model.core import Derived, State, Subsystem, load_parameters

SUBSYSTEM = Subsystem(
    name="adrenergic",
    title="Sympathetic arm",
    states=(
        State("EPI", "pg/mL", 50.0, "k_epinephrine * (epinephrine_rest - EPI)",
              "plasma epinephrine (adrenal secretion plus infusions)"),
    ),
    derived=(
        Derived("epinephrine_beta2_signal", "dimensionless",
                "epinephrine_beta2_max * (saturating(EPI, epinephrine_beta2_ec50)"
                " - saturating(epinephrine_rest, epinephrine_beta2_ec50))",
                "beta2-adrenergic signal of circulating epinephrine above its resting level"),
        Derived("adrenergic_tone", "dimensionless", "SNS + epinephrine_beta2_signal",
                "beta2-adrenergic signal on immune cells relative to rest"),
    ),
    parameters=load_parameters("adrenergic"),
)
