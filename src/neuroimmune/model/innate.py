"""Pathogens and innate immunity: endotoxin, monocytes, plasma cytokines, CRP.

Structure after the human endotoxemia model of Windoloski, Olufsen et al. and Dobreva et
al. 2021: resting monocytes are activated by endotoxin (a Hill coefficient of 1,
amplified by TNF, restrained by IL-10) and secrete TNF, IL-6, IL-1beta and IL-10 with
mutual Hill-type regulation (IL-10 restrains TNF and IL-6 with IC50s of their own, IL-6
restrains itself). IL-10 acts through a signal that lags plasma IL-10 (``il10_signal``):
its restraint of transcription needs STAT3-induced proteins (Williams et al. 2004;
Murray 2005), and without the lag the IL-10 of a higher dose cuts the TNF pulse short. A
committed-monocyte stage gives the hour of transcription lag before TNF appears. Plasma
neutralises a small resting amount of endotoxin (lipoproteins, LBP, soluble CD14), so
gut-derived resting endotoxin does not activate monocytes.

Endotoxin tolerance is driven by what the cells experience: each monocyte activation
sets off a programme that, once its inhibitors are made hours later, leaves the pool
less sensitive to endotoxin (a raised EC50), and the loss fades over days (Draisma
et al. 2009; Kox et al. 2011: ex vivo tolerance of blood resolves within a day, in vivo
tolerance lasts longer; a saturating stimulus in the tube does not show a raised
EC50). Glucocorticoids act in one place, the pro-inflammatory output of a stimulated
monocyte (``monocyte_responsiveness``), through receptor signalling that lags plasma
(``hpa``); at stress doses they add IL-10 released, where endotoxin is sensed, by cells
other than blood monocytes (hydrocortisone lowers the IL-10 of stimulated blood in vitro
while it raises plasma IL-10 in vivo: van der Poll et al. 1996); a slow priming state left by past
glucocorticoid exposure enhances that output for days (Barber et al. 1993).
Beta2-adrenergic tone above rest adds IL-10 through cAMP without waiting for IL-6
(``adrenergic``), so epinephrine raises IL-10 while it brakes TNF and IL-6.
We add bacterial and viral pathogens (growth, resident and phagocytic clearance, after
the acute-inflammation model of Reynolds et al. 2006), autonomic control of cytokine
release, drug binding, and hepatic CRP.
"""

from neuroimmune.model.core import Derived, State, Subsystem, load_parameters

_MONOCYTE_OUTPUT = "MA * monocyte_responsiveness"
"""Pro-inflammatory output of the activated monocytes, before cytokine-specific regulation."""

SUBSYSTEM = Subsystem(
    name="innate",
    title="Pathogen and innate immunity",
    states=(
        State("LPS", "pg/mL", 0.5, "LPS_translocation - k_LPS * LPS",
              "plasma endotoxin"),
        State("BAC", "dimensionless", 0.0,
              "r_bacteria * BAC * (1 - BAC)"
              " - BAC * (k_bacteria_resident / (1 + BAC / bacteria_resident_saturation)"
              " + k_bacteria_phagocytes * MA + k_bacteria_adaptive * effector_excess"
              " + k_bacteria_antibiotic * antibiotic_effect)",
              "bacterial load, fraction of carrying capacity"),
        State("VIR", "dimensionless", 0.0,
              "r_virus * VIR * (1 - VIR)"
              " - VIR * (k_virus_resident / (1 + VIR / virus_resident_saturation)"
              " + k_virus_interferon * interferon_total + k_virus_adaptive * effector_excess)",
              "viral load, fraction of carrying capacity"),
        State("MR", "dimensionless", 1.0,
              "k_monocyte_renewal * (1 - MR - MP - MA) - monocyte_activation * MR",
              "resting monocytes, fraction of the healthy pool"),
        State("MP", "dimensionless", 0.0,
              "monocyte_activation * MR - k_monocyte_maturation * MP",
              "monocytes committed by TLR signalling, not yet secreting (transcription lag)"),
        State("MA", "dimensionless", 0.0,
              "k_monocyte_maturation * MP - k_monocyte_deactivation * MA",
              "activated monocytes/macrophages, fraction of the healthy pool"),
        State("tolerance_induction", "dimensionless", 0.0,
              "tolerance_per_activation * monocyte_activation * MR"
              " - k_tolerance_onset * tolerance_induction",
              "tolerance programme set off by monocyte activation, not yet in force (the"
              " inhibitors of TLR4 signalling must first be made)"),
        State("tolerance", "dimensionless", 0.0,
              "k_tolerance_onset * tolerance_induction * (1 - tolerance)"
              " - k_tolerance_off * tolerance",
              "endotoxin tolerance (0-1): reprogramming left by monocyte activation, which"
              " lowers the pool's sensitivity to endotoxin"),
        State("gc_priming", "dimensionless", 0.0,
              "k_gc_priming_on * hill_up(gc_receptor_signal, gc_priming_ec50, gc_priming_hill)"
              " * (1 - gc_priming) - k_gc_priming_off * gc_priming",
              "priming of monocytes by past glucocorticoid excess (0-1): enhances their"
              " pro-inflammatory output for days once the glucocorticoid has gone"),
        State("TNF", "pg/mL", 6.2,
              "k_TNF * TNF_basal"
              f" + p_TNF_monocyte * {_MONOCYTE_OUTPUT} * hill_down(il10_signal, il10_tnf_ic50, il10_tnf_hill)"
              " * hill_down(IL6, il6_tnf_ic50, il6_tnf_hill) * neural_tnf_brake * nsaid_tnf_gain"
              " + p_TNF_tissue * effector_excess"
              " - k_TNF * (1 + IFX / infliximab_tnf_kd) * TNF",
              "free plasma TNF-alpha"),
        State("IL6", "pg/mL", 0.6,
              "k_IL6 * IL6_basal * baseline_inflammation"
              " + (p_IL6_monocyte + p_IL6_tnf * hill_up(TNF, tnf_il6_ec50, tnf_il6_hill))"
              f" * {_MONOCYTE_OUTPUT} * hill_down(il10_signal, il10_il6_ic50, il10_il6_hill)"
              " * hill_down(IL6, il6_self_ic50, il6_self_hill)"
              " + p_IL6_tissue * effector_excess + p_IL6_interferon * interferon_total"
              " - k_IL6 * (1 - il6r_clearance_share * il6r_occupancy) * IL6",
              "plasma IL-6"),
        State("IL1b", "pg/mL", 0.8,
              "k_IL1b * IL1b_basal"
              f" + il1b_tnf_release_ratio * p_TNF_monocyte * {_MONOCYTE_OUTPUT}"
              " * hill_down(il10_signal, il10_tnf_ic50, il10_tnf_hill) * neural_tnf_brake"
              " + p_IL1b_tissue * effector_excess - k_IL1b * IL1b",
              "plasma IL-1beta"),
        State("IL10", "pg/mL", 4.2,
              "k_IL10 * IL10_basal"
              " + (p_IL10_monocyte + p_IL10_il6 * hill_up(IL6, il6_il10_ec50, il6_il10_hill))"
              " * MA + p_IL10_beta2 * positive(adrenergic_tone - 1, smoothing_width) * MA"
              " + p_IL10_glucocorticoid * hill_up(gc_receptor_signal, gc_il10_ec50, gc_il10_hill)"
              " * saturating(pamp_sensed, pamp_ec50) - k_IL10 * IL10",
              "plasma IL-10"),
        State("il10_signal", "pg/mL", 4.2,
              "k_il10_signal * (IL10 - il10_signal)",
              "IL-10 signalling in monocytes, in plasma IL-10 equivalents: lags plasma IL-10"
              " because its restraint of cytokine transcription needs STAT3-induced proteins"),
        State("CRP_synthesis", "dimensionless", 0.0,
              "k_CRP_synthesis * (hill_up(il6_signal, il6_crp_ec50, il6_crp_hill)"
              " - CRP_synthesis)",
              "hepatic CRP synthesis activity (STAT3-driven transcription, delayed)"),
        State("CRP", "mg/L", 0.5,
              "k_CRP * CRP_basal + p_CRP * CRP_synthesis - k_CRP * CRP",
              "plasma C-reactive protein"),
    ),
    derived=(
        Derived("pathogen_load", "dimensionless", "BAC + VIR",
                "bacterial plus viral load"),
        Derived("pamp", "pg/mL",
                "LPS + pamp_per_bacteria * BAC + pamp_per_virus * VIR",
                "pathogen-associated molecular patterns, in LPS-equivalents"),
        Derived("pamp_sensed", "pg/mL",
                "positive(pamp - pamp_neutralised, pamp_neutralisation_width)",
                "PAMPs above what plasma neutralises, the part monocytes sense"),
        Derived("monocyte_activation", "1/h",
                "k_monocyte_activation"
                " * saturating(pamp_sensed, pamp_ec50 * (1 + tolerance_ec50_gain * tolerance))"
                " * (1 + tnf_monocyte_gain * hill_up(TNF, tnf_monocyte_ec50, tnf_monocyte_hill))"
                " * hill_down(il10_signal, il10_monocyte_ic50, il10_monocyte_hill)",
                "rate at which resting monocytes become activated (endotoxin tolerance raises"
                " the endotoxin needed)"),
        Derived("gc_receptor_activity", "dimensionless",
                "hill_up(gc_receptor_signal, gc_cytokine_ic50, gc_cytokine_hill)",
                "share of maximal glucocorticoid receptor signalling in immune cells"),
        Derived("gc_suppression", "dimensionless", "1 - gc_receptor_activity",
                "share of pro-inflammatory output left by glucocorticoid receptor signalling"),
        Derived("neural_tnf_brake", "dimensionless",
                "relative_brake(vagal_efferent, ach_tnf_gain) * relative_brake(adrenergic_tone, ne_tnf_gain)",
                "cholinergic (alpha7 nAChR) and adrenergic (beta2) restraint of TNF release"),
        Derived("nsaid_tnf_gain", "dimensionless",
                "1 + cox_tnf_disinhibition * cox_inhibition",
                "loss of PGE2 restraint of TNF release under COX inhibition"),
        Derived("monocyte_responsiveness", "dimensionless",
                "gc_suppression * (1 + gc_priming_gain * gc_priming)",
                "pro-inflammatory output a stimulated monocyte can give now, relative to one"
                " free of glucocorticoid signalling (suppression by it now, priming by it"
                " days before)"),
        Derived("il6_signal", "pg/mL", "IL6 * (1 - il6r_occupancy)",
                "IL-6 that can still signal through its receptor"),
        Derived("interferon_total", "dimensionless",
                "saturating(VIR, virus_interferon_ec50) + interferon_effect",
                "type I interferon activity, endogenous (virus) plus therapeutic"),
    ),
    parameters=load_parameters("innate"),
)
