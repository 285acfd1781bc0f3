"""The observable contract: names, units and panels that results, files and plots share.

These names are relied on by users' scripts and by other tools (DESIGN.md,
"Contracts"); extend the list freely, rename only with a deprecation path.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Observable:
    """One time course the model reports, with the symbol it reads in the model."""

    name: str
    symbol: str
    unit: str
    group: str
    description: str


OBSERVABLES: tuple[Observable, ...] = (
    Observable("pathogen", "pathogen_load", "fraction of carrying capacity", "Pathogen",
               "bacterial plus viral load"),
    Observable("LPS_plasma_pg_mL", "LPS", "pg/mL", "Pathogen", "plasma endotoxin"),
    Observable("TNF_pg_mL", "TNF", "pg/mL", "Cytokines", "plasma TNF-alpha"),
    Observable("IL6_pg_mL", "IL6", "pg/mL", "Cytokines", "plasma IL-6"),
    Observable("IL1b_pg_mL", "IL1b", "pg/mL", "Cytokines", "plasma IL-1beta"),
    Observable("IL10_pg_mL", "IL10", "pg/mL", "Cytokines", "plasma IL-10"),
    Observable("CRP_mg_L", "CRP", "mg/L", "Cytokines", "plasma C-reactive protein"),
    Observable("ex_vivo_TNF_pg_mL", "ex_vivo_TNF", "pg/mL", "Cytokines",
               "TNF-alpha released by a blood sample stimulated with LPS ex vivo"),
    Observable("temperature_C", "temperature", "degC", "Vital signs", "core body temperature"),
    Observable("heart_rate_bpm", "heart_rate", "beats/min", "Vital signs", "heart rate"),
    Observable("ACTH_pg_mL", "ACTH", "pg/mL", "HPA axis", "plasma ACTH"),
    Observable("cortisol_nmol_L", "cortisol", "nmol/L", "HPA axis", "plasma total cortisol"),
    Observable("BBB_permeability", "BBB", "relative to healthy", "Brain",
               "blood-brain barrier permeability"),
    Observable("microglia_activation", "microglia", "fraction", "Brain",
               "share of microglia in an activated state"),
    Observable("brain_cytokines", "brain_cyt", "relative to healthy", "Brain",
               "cytokine level in brain parenchyma"),
    Observable("tryptophan_uM", "TRP", "umol/L", "Tryptophan", "plasma tryptophan"),
    Observable("kynurenine_uM", "KYN", "umol/L", "Tryptophan", "plasma kynurenine"),
    Observable("serotonin_brain", "serotonin", "relative to healthy", "Tryptophan",
               "extracellular brain serotonin"),
    Observable("commensals", "COM", "relative to healthy", "Gut", "commensal biomass"),
    Observable("pathobionts", "PB", "relative to healthy", "Gut", "pathobiont biomass"),
    Observable("SCFA", "SCFA", "relative to healthy", "Gut", "short-chain fatty acids"),
    Observable("gut_permeability", "gut_perm", "relative to healthy", "Gut",
               "intestinal barrier permeability"),
    Observable("fatigue", "fatigue", "0-1", "Symptoms", "fatigue score"),
    Observable("depressed_mood", "depressed_mood", "0-1", "Symptoms", "depressed mood score"),
    Observable("anxiety", "anxiety", "0-1", "Symptoms", "anxiety score"),
    Observable("cognitive_impairment", "cognitive_impairment", "0-1", "Symptoms",
               "cognitive impairment score"),
    Observable("hamd", "hamd", "HAM-D 17 points (0-52)", "Symptoms",
               "Hamilton depression rating, 17 items"),
)

OBSERVABLE_NAMES: tuple[str, ...] = tuple(o.name for o in OBSERVABLES)
BY_NAME: dict[str, Observable] = {o.name: o for o in OBSERVABLES}
