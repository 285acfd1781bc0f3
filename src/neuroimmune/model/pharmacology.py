"""Pharmacokinetics and the concentration-effect links of every treatment.

One- or two-compartment PK (an absorption depot for oral and subcutaneous routes) from
label half-lives and volumes; each drug acts through one named mechanism that the
other subsystems read: free TNF removal (infliximab), IL-6 receptor occupancy
(tocilizumab), GR agonism (hydrocortisone enters the cortisol pool; dexamethasone adds
cortisol-equivalents), SERT occupancy (SSRIs), type I interferon activity
(interferon-alpha), COX inhibition (NSAIDs), bacterial kill (antibiotics). Probiotics,
vagus nerve stimulation and stress reduction are handled in the gut, brain and HPA
subsystems.
"""

from neuroimmune.model.core import Derived, State, Subsystem, load_parameters


def _absorbed(drug: str, depot: str, volume: str) -> str:
    """First-order absorption from a depot into a central concentration."""
    return f"ka_{drug} * {depot} * {volume}"


SUBSYSTEM = Subsystem(
    name="pharmacology",
    title="Pharmacology",
    states=(
        State("IFX", "ug/mL", 0.0, "-k_ifx * IFX", "plasma infliximab"),
        State("TCZ", "ug/mL", 0.0, "-k_tcz * TCZ", "plasma tocilizumab"),
        State("HC_depot", "mg", 0.0, "-ka_hc * HC_depot", "oral hydrocortisone awaiting absorption"),
        State("DEX_depot", "mg", 0.0, "-ka_dex * DEX_depot", "oral dexamethasone awaiting absorption"),
        State("DEX", "ng/mL", 0.0,
              f"{_absorbed('dex', 'DEX_depot', 'ug_per_mg / dex_V_L')} - k_dex * DEX",
              "plasma dexamethasone"),
        State("SER_depot", "mg", 0.0, "-ka_ser * SER_depot", "oral sertraline awaiting absorption"),
        State("SER", "ng/mL", 0.0,
              f"{_absorbed('ser', 'SER_depot', 'ug_per_mg / (ser_V_L_per_kg * body_weight_kg)')}"
              " - k_ser * SER",
              "plasma sertraline"),
        State("PAR_depot", "mg", 0.0, "-ka_par * PAR_depot", "oral paroxetine awaiting absorption"),
        State("PAR", "ng/mL", 0.0,
              f"{_absorbed('par', 'PAR_depot', 'ug_per_mg / (par_V_L_per_kg * body_weight_kg)')}"
              " - k_par * PAR",
              "plasma paroxetine"),
        State("IFN_depot", "ug", 0.0, "-ka_ifn * IFN_depot",
              "subcutaneous peginterferon awaiting absorption"),
        State("IFN", "ng/mL", 0.0,
              f"{_absorbed('ifn', 'IFN_depot', '1 / ifn_V_L')} - k_ifn * IFN",
              "plasma peginterferon alfa-2a"),
        State("NSAID_depot", "mg", 0.0, "-ka_nsaid * NSAID_depot",
              "oral ibuprofen awaiting absorption"),
        State("NSAID", "ug/mL", 0.0,
              f"{_absorbed('nsaid', 'NSAID_depot', '1 / (nsaid_V_L_per_kg * body_weight_kg)')}"
              " - k_nsaid * NSAID",
              "plasma ibuprofen"),
        State("ABX_depot", "mg", 0.0, "-ka_abx * ABX_depot", "oral antibiotic awaiting absorption"),
        State("ABX", "ug/mL", 0.0,
              f"{_absorbed('abx', 'ABX_depot', '1 / abx_V_L')} - k_abx * ABX",
              "plasma antibiotic"),
    ),
    derived=(
        Derived("hydrocortisone_absorption", "nmol/L/h",
                "ka_hc * HC_depot * cortisol_nmol_per_mg / cortisol_V_L",
                "oral hydrocortisone entering the plasma cortisol pool"),
        Derived("dexamethasone_nM", "nmol/L", "DEX * nmol_per_umol / dex_molar_mass",
                "plasma dexamethasone in nmol/L"),
        Derived("il6r_occupancy", "dimensionless", "TCZ / (TCZ + tcz_il6r_ec50)",
                "share of IL-6 receptors blocked by tocilizumab"),
        Derived("sert_occupancy", "dimensionless",
                "(SER / ser_sert_ec50 + PAR / par_sert_ec50)"
                " / (1 + SER / ser_sert_ec50 + PAR / par_sert_ec50)",
                "share of serotonin transporters blocked by SSRIs (competitive)"),
        Derived("interferon_effect", "dimensionless", "saturating(IFN, ifn_ec50)",
                "type I interferon receptor activity from therapy"),
        Derived("cox_inhibition", "dimensionless", "NSAID / (NSAID + nsaid_cox_ic50)",
                "cyclooxygenase inhibition by ibuprofen"),
        Derived("antibiotic_effect", "dimensionless", "saturating(ABX, abx_ec50)",
                "antibacterial activity relative to saturating exposure"),
    ),
    parameters=load_parameters("pharmacology"),
)
