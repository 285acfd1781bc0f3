"""Brain: microglia and their priming, tryptophan metabolism, serotonin, autonomic outflow.

Microglia respond to brain cytokines, vagal input and interferon, and stay primed for
weeks after strong activation (Perry & Holmes 2014). IDO, induced by interferons and
inflammatory cytokines, diverts tryptophan from serotonin to kynurenine; microglial KMO
turns kynurenine into neurotoxic quinolinic acid (Stavrum et al. 2013 supply the
pathway; Dantzer et al. 2008 the link to mood). Extracellular serotonin is set by
synthesis from tryptophan and reuptake by SERT, which cytokines speed up and SSRIs
block; 5-HT1A autoreceptors blunt the acute SSRI effect until they desensitise over
weeks, the accepted account of delayed antidepressant onset (Blier & de Montigny 1994).
Plasma tryptophan and kynurenine are whole-body pools read in plasma.
"""

from neuroimmune.model.core import Derived, State, Subsystem, load_parameters

SUBSYSTEM = Subsystem(
    name="brain",
    title="Brain",
    states=(
        State("microglia", "dimensionless", 0.05,
              "k_microglia_on * microglia_stimulus * (1 + priming_gain * priming)"
              " * (1 - microglia) - k_microglia_off * microglia",
              "share of microglia in an activated state"),
        State("priming", "dimensionless", 0.0,
              "k_priming_on * positive(microglia - priming_threshold, smoothing_width) * (1 - priming)"
              " - k_priming_off * priming",
              "microglial priming, a memory of past activation (0-1)"),
        State("TRP", "umol/L", 60.0,
              "trp_intake - TRP * (k_trp_tdo + k_trp_ido * IDO_activity + k_trp_other"
              " + k_trp_microbial * (COM + PB))",
              "plasma tryptophan"),
        State("KYN", "umol/L", 1.8,
              "kynurenine_yield * TRP * (k_trp_tdo + k_trp_ido * IDO_activity) - k_KYN * KYN",
              "plasma kynurenine"),
        State("QUIN", "dimensionless", 1.0,
              "k_QUIN * (KYN / kynurenine_reference"
              " * relative_gain(microglia / microglia_reference, quin_microglia_gain) - QUIN)",
              "brain quinolinic acid relative to a healthy brain"),
        State("serotonin", "dimensionless", 1.0,
              "k_serotonin * (serotonin_synthesis - serotonin * serotonin_clearance)",
              "extracellular brain serotonin relative to a healthy brain"),
        State("sert_adaptation", "dimensionless", 0.0,
              "k_sert_adaptation * (sert_occupancy - sert_adaptation)",
              "5-HT1A autoreceptor desensitisation that follows sustained SERT blockade"),
    ),
    derived=(
        Derived("microglia_stimulus", "dimensionless",
                "hill_up(brain_cyt, microglia_ec50, microglia_hill)",
                "activating input to microglia from brain cytokines"),
        Derived("IDO_activity", "dimensionless",
                "1 + ido_interferon_gain * interferon_total"
                " + ido_cytokine_gain * saturating(peripheral_cytokines, ido_cytokine_ec50)"
                " + ido_effector_gain * effector_excess",
                "indoleamine 2,3-dioxygenase activity relative to health"),
        Derived("serotonin_synthesis", "dimensionless",
                "TRP / (TRP + tph2_km) * (tryptophan_reference + tph2_km) / tryptophan_reference",
                "brain serotonin synthesis relative to health (TPH2 is not saturated by tryptophan)"),
        Derived("serotonin_clearance", "dimensionless",
                "sert_share * (1 - sert_occupancy)"
                " * relative_gain(microglia / microglia_reference, sert_cytokine_gain)"
                " + 1 - sert_share",
                "serotonin removal relative to health: SERT reuptake plus other routes"),
        Derived("serotonergic_tone", "dimensionless",
                "serotonin / (1 + autoreceptor_gain * (serotonin - 1) * (1 - sert_adaptation))",
                "serotonergic transmission after 5-HT1A autoreceptor feedback on firing"),
        Derived("SNS", "dimensionless",
                "1 + sns_stress_gain * stress_level + sns_cytokine_gain * vagal_afferent",
                "sympathetic (noradrenergic) outflow relative to rest"),
        Derived("vagal_efferent", "dimensionless",
                "(1 + vns_gain * vns_intensity + vagal_reflex_gain * vagal_afferent"
                " + vagal_resilience_gain * resilience) / (1 + vagal_stress_withdrawal * stress_level)",
                "vagal cholinergic outflow relative to rest (inflammatory reflex, VNS)"),
    ),
    parameters=load_parameters("brain"),
)
