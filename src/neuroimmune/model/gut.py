"""Gut microbiome: commensals, pathobionts, probiotic strains, SCFA, barrier, gut serotonin.

Generalised Lotka-Volterra growth with competition and antibiotic kill terms (Stein et
al. 2013). Commensal fermentation makes short-chain fatty acids, which seal the barrier,
induce regulatory T cells and stimulate enterochromaffin serotonin synthesis (Yano et
al. 2015). Pathobionts bloom when commensals are lost or the gut is inflamed (Lupp et
al. 2007) and, through a leaky barrier, let endotoxin into plasma. Gut-made serotonin
does not cross the blood-brain barrier: it acts on the brain only through vagal
afferents, never by entering brain serotonin, and the model has no such term.
"""

from neuroimmune.model.core import Derived, State, Subsystem, load_parameters

SUBSYSTEM = Subsystem(
    name="gut",
    title="Gut microbiome",
    states=(
        State("COM", "dimensionless", 1.0,
              "r_commensals * COM * (microbiome_health * commensal_capacity - COM"
              " - commensal_pathobiont_competition * PB) * (1 + probiotic_cross_feeding * PRO)"
              " - COM * (k_antibiotic_commensals * antibiotic_effect"
              " + k_stress_commensals * stress_level) + commensal_reseeding",
              "commensal biomass relative to a healthy gut"),
        State("PB", "dimensionless", 1.0,
              "r_pathobionts * PB * (pathobiont_capacity - PB - pathobiont_commensal_competition * COM"
              " - pathobiont_probiotic_competition * PRO)"
              " * (1 + pathobiont_inflammation_bloom * gut_inflammation)"
              " - k_antibiotic_pathobionts * antibiotic_effect * PB + pathobiont_reseeding",
              "pathobiont (e.g. Enterobacteriaceae) biomass relative to a healthy gut"),
        State("PRO", "dimensionless", 0.0,
              "-PRO * (k_probiotic_washout + k_antibiotic_probiotic * antibiotic_effect)",
              "probiotic strain biomass relative to healthy commensal biomass"),
        State("SCFA", "dimensionless", 1.0,
              "k_SCFA * (COM + probiotic_scfa_yield * PRO - SCFA)",
              "colonic short-chain fatty acids relative to a healthy gut"),
        State("gut_perm", "dimensionless", 1.0,
              "k_gut_barrier * (gut_permeability_target - gut_perm)",
              "intestinal permeability relative to a healthy barrier"),
        State("gut_5HT", "dimensionless", 1.0,
              "k_gut_serotonin * (relative_gain(SCFA, scfa_enterochromaffin_gain)"
              " * TRP / tryptophan_reference - gut_5HT)",
              "enterochromaffin-cell serotonin relative to a healthy gut"),
    ),
    derived=(
        Derived("gut_inflammation", "dimensionless",
                "saturating(peripheral_cytokines, gut_inflammation_ec50)",
                "mucosal inflammation that favours pathobionts"),
        Derived("gut_permeability_target", "dimensionless",
                "relative_brake(SCFA, scfa_barrier_gain) * relative_gain(PB, pathobiont_barrier_gain)"
                " * (1 + tnf_barrier_gain * hill_up(TNF, tnf_barrier_ec50, tnf_barrier_hill))"
                " * (1 + stress_barrier_gain * stress_level)"
                " * (1 + cox_barrier_gain * cox_inhibition)",
                "permeability the barrier tends to under current conditions"),
        Derived("LPS_translocation", "pg/mL/h",
                "k_lps_translocation * gut_perm * (PB + commensal_lps_share * COM)",
                "endotoxin entering plasma through the gut barrier"),
        Derived("vagal_gut", "dimensionless",
                "(gut_5HT + scfa_vagal_weight * SCFA + probiotic_vagal_weight * PRO)"
                " / (1 + scfa_vagal_weight)",
                "gut-to-brain vagal signalling relative to a healthy gut"),
    ),
    parameters=load_parameters("gut"),
)
