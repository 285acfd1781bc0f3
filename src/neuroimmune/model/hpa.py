"""HPA axis: circadian CRH drive, ACTH, cortisol, glucocorticoid-receptor feedback.

Feedback structure after Gupta et al. 2007 and Bangsgaard & Ottesen 2017 (circadian
drive); cytokine drive of the axis after Malek et al. 2015. CRH is quasi-steady (its
portal half-life is minutes, far below ACTH's 15 min and cortisol's 75 min). Plasma
cytokines reach CRH neurons only after a delay of hours (a two-step transit chain, in
place of the discrete delay of Malek et al. 2015): after endotoxin, ACTH peaks an hour
or more after TNF and IL-6, which an instant drive cannot give. Chronic
stress lowers glucocorticoid-receptor sensitivity (glucocorticoid resistance, Miller
et al. 2008; Cohen et al. 2012), which weakens both the negative feedback and cortisol's
restraint of inflammation. Stress-reduction practice builds a slow resilience state.

Immune cells see free cortisol: corticosteroid-binding globulin holds most of it at
rest and saturates at stress levels, so a hydrocortisone infusion raises free cortisol
far more than total (Dunn et al. 1981). Receptor signalling in immune cells follows the
free glucocorticoid (cortisol plus dexamethasone at its own potency) with a lag of
hours, the time of genomic action (``gc_receptor_signal``).
"""

from neuroimmune.model.core import Derived, State, Subsystem, load_parameters

SUBSYSTEM = Subsystem(
    name="hpa",
    title="HPA axis",
    states=(
        State("hpa_cytokine_transit", "pg/mL", 7.0,
              "2 / hpa_cytokine_delay_h * (il6_signal + hpa_tnf_weight * TNF - hpa_cytokine_transit)",
              "plasma cytokine signal on its way to CRH neurons (first transit step)"),
        State("hpa_cytokine_effect", "pg/mL", 7.0,
              "2 / hpa_cytokine_delay_h * (hpa_cytokine_transit - hpa_cytokine_effect)",
              "cytokine signal at CRH neurons, plasma IL-6 and TNF delayed by hpa_cytokine_delay_h"),
        State("ACTH", "pg/mL", 20.0, "k_ACTH * (ACTH_per_CRH * CRH - ACTH)",
              "plasma ACTH"),
        State("cortisol", "nmol/L", 300.0,
              "k_cortisol * (cortisol_max * hill_up(ACTH, acth_adrenal_ec50, acth_adrenal_hill)"
              " - cortisol) + hydrocortisone_absorption",
              "plasma total cortisol (endogenous plus hydrocortisone)"),
        State("GR_sensitivity", "dimensionless", 1.0,
              "k_gr_adaptation * (1 - gr_resistance_max"
              " * hill_up(chronic_load, gr_resistance_ec50, gr_resistance_hill) - GR_sensitivity)",
              "glucocorticoid-receptor sensitivity (1 healthy; lower = resistance)"),
        State("gc_receptor_signal", "nmol/L", 15.0,
              "k_gc_receptor * (glucocorticoid_free * GR_sensitivity - gc_receptor_signal)",
              "glucocorticoid receptor signalling in immune cells, in free-cortisol"
              " equivalents: free glucocorticoid with a lag of hours"),
        State("resilience", "dimensionless", 0.0,
              "k_resilience_gain * stress_reduction_intensity * (1 - resilience)"
              " - k_resilience_loss * resilience",
              "trained stress resilience from stress-reduction practice (0-1)"),
    ),
    derived=(
        Derived("clock_h", "h", "clock_start_h + time", "clock time of day, hours since midnight"),
        Derived("circadian_phase", "dimensionless",
                "2 * pi * (clock_h - circadian_peak_h) / circadian_period_h",
                "phase of the 24 h rhythm, 0 at the drive's main peak"),
        Derived("circadian_drive", "dimensionless",
                "exp(circadian_a1 * (cos(circadian_phase) - 1)"
                " + circadian_a2 * (cos(2 * circadian_phase - circadian_phi2) - 1))",
                "suprachiasmatic drive to CRH neurons (two harmonics, skewed to the morning)"),
        Derived("stress_level", "dimensionless",
                "(baseline_stress + stressor_intensity) * (1 - resilience_stress_buffer * resilience)",
                "perceived stress, 0 calm, 1 a Trier-like test"),
        Derived("chronic_load", "dimensionless",
                "stress_level + gr_inflammation_weight * saturating(il6_signal, gr_il6_ec50)",
                "sustained stress and inflammation that desensitise glucocorticoid receptors"),
        Derived("immune_hpa_drive", "dimensionless",
                "hpa_cytokine_gain * hill_up(hpa_cytokine_effect, hpa_cytokine_ec50, hpa_cytokine_hill)"
                " + hpa_vagal_gain * vagal_afferent"
                " + hpa_interferon_gain * interferon_effect",
                "delayed cytokine, vagal and interferon drive of CRH neurons"),
        Derived("glucocorticoid", "nmol/L", "cortisol + dexamethasone_potency * dexamethasone_nM",
                "glucocorticoid receptor agonism in cortisol-equivalents"),
        Derived("cortisol_free", "nmol/L",
                "free_ligand(cortisol, cbg_capacity, cbg_cortisol_kd, cortisol_albumin_factor)",
                "plasma cortisol bound neither to CBG (saturable) nor to albumin (linear)"),
        Derived("glucocorticoid_free", "nmol/L",
                "cortisol_free + dexamethasone_free_potency * dexamethasone_nM",
                "free glucocorticoid receptor agonism in free-cortisol equivalents"),
        Derived("gc_feedback", "dimensionless",
                "hill_down(glucocorticoid * GR_sensitivity, gr_feedback_ic50, gr_feedback_hill)",
                "negative feedback of glucocorticoids on CRH and ACTH release"),
        Derived("CRH", "dimensionless",
                "circadian_drive * (1 + stress_hpa_gain * stress_level + immune_hpa_drive)"
                " * gc_feedback",
                "hypothalamic CRH release relative to its morning peak in a calm, healthy person"),
    ),
    parameters=load_parameters("hpa"),
)
