"""The sympathetic arm: beta2-adrenergic signalling on immune cells.

Sympathetic (noradrenergic) outflow from the brain and circulating epinephrine act on
monocytes through the same beta2-adrenergic receptor, restraining TNF release and
raising IL-10 (van der Poll et al. 1996 J Clin Invest). ``adrenergic_tone`` is that
receptor signal relative to rest; the innate subsystem reads it.
"""

from neuroimmune.model.core import Derived, Subsystem

SUBSYSTEM = Subsystem(
    name="adrenergic",
    title="Sympathetic arm",
    states=(),
    derived=(
        Derived("adrenergic_tone", "dimensionless", "SNS",
                "beta2-adrenergic signal on immune cells relative to rest"),
    ),
)
