"""The sympathetic arm: beta2-adrenergic signalling on immune cells.

Sympathetic (noradrenergic) outflow from the brain and circulating epinephrine act on
monocytes through the same beta2-adrenergic receptor, restraining TNF release and
raising IL-10 (van der Poll et al. 1996 J Clin Invest). ``adrenergic_tone`` is that
receptor signal relative to rest; the innate subsystem reads it, as a brake on TNF
release and as cAMP-driven IL-10 transcription (a CREB site in the IL-10 promoter:
Platzer et al. 1999 J Neuroimmunol 105:31), which does not wait for IL-6.

Receptors on leukocytes are lost during hours of raised epinephrine and come back over
days (Galant et al. 1978 N Engl J Med 299:933; Cases et al. 1995 Clin Exp Hypertens
17:537), so a day-long infusion leaves a weaker signal than a 3 h one: van der Poll et
al. 1996 saw IL-10 raised after 3 h of epinephrine and not after 24 h.

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
        State("beta2_desensitisation", "dimensionless", 0.0,
              "k_beta2_desensitisation * beta2_occupancy_excess"
              " * (1 - beta2_desensitisation) - k_beta2_resensitisation * beta2_desensitisation",
              "share of leukocyte beta2-adrenergic receptors lost to sustained agonist (0-1)"),
    ),
    derived=(
        Derived("beta2_occupancy_excess", "dimensionless",
                "saturating(EPI, epinephrine_beta2_ec50)"
                " - saturating(epinephrine_rest, epinephrine_beta2_ec50)",
                "beta2-adrenergic receptor occupancy by epinephrine above its resting level"),
        Derived("epinephrine_beta2_signal", "dimensionless",
                "epinephrine_beta2_max * beta2_occupancy_excess * (1 - beta2_desensitisation)",
                "beta2-adrenergic signal of circulating epinephrine above its resting level"),
        Derived("adrenergic_tone", "dimensionless", "SNS + epinephrine_beta2_signal",
                "beta2-adrenergic signal on immune cells relative to rest"),
    ),
    parameters=load_parameters("adrenergic"),
)
