"""Blood-brain barrier: the three routes by which plasma cytokines reach the brain.

TNF, IL-1 and IL-6 cross by saturable transport in modest amounts (Banks et al. 1995);
inflammation raises barrier permeability, which recovers over about a day. The humoral
route: cytokines induce COX-2 in brain endothelium, whose prostaglandin E2 (``PGE2``,
the fever subsystem's signal, its time course fitted to human fever) acts on the brain
behind the barrier; NSAIDs act on this route, by inhibiting COX. Vagal afferents sense
peripheral IL-1beta and TNF and signal the brain within minutes (Dantzer et al. 2008);
their weight has no human measurement and is an assumption.
"""

from neuroimmune.model.core import Derived, State, Subsystem, load_parameters

SUBSYSTEM = Subsystem(
    name="bbb",
    title="Blood-brain barrier",
    states=(
        State("BBB", "dimensionless", 1.0,
              "k_bbb_recovery * (1 + bbb_cytokine_gain"
              " * hill_up(peripheral_cytokines, bbb_cytokine_ec50, bbb_cytokine_hill) - BBB)",
              "barrier permeability relative to a healthy resting barrier"),
        State("brain_cyt", "dimensionless", 1.0,
              "k_brain_cyt * brain_cyt_basal + cytokine_transport + p_brain_cyt_microglia * microglia"
              " + p_brain_cyt_humoral * PGE2 + p_brain_cyt_vagal * vagal_afferent"
              " + p_brain_cyt_interferon * interferon_total"
              " - k_brain_cyt * brain_cyt",
              "brain parenchymal cytokines relative to a healthy brain"),
    ),
    derived=(
        Derived("peripheral_cytokines", "pg/mL",
                "TNF + il1b_brain_weight * IL1b + il6_brain_weight * il6_signal",
                "plasma cytokines in TNF-equivalents as seen by the barrier"),
        Derived("cytokine_transport", "1/h",
                "BBB * bbb_transport_max * peripheral_cytokines"
                " / (peripheral_cytokines + bbb_transport_km)",
                "saturable carrier-mediated entry of cytokines into the brain"),
        Derived("vagal_afferent", "dimensionless",
                "hill_up(IL1b + vagal_tnf_weight * TNF, vagal_afferent_ec50, vagal_afferent_hill)",
                "vagal afferent firing from peripheral cytokines (0-1)"),
    ),
    parameters=load_parameters("bbb"),
)
