"""What each scenario agent does to the model: which state a dose enters, by which route,
and how an amount in a user's unit becomes an amount in that state's unit.

Conversion factors are products and quotients of parameter names (``"body_weight_kg"``,
``"1 / ifx_V_L"``), so a patient override of body weight or volume changes the dose a
state receives, and no unit arithmetic hides in the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AgentKind = Literal["dose", "exposure"]


@dataclass(frozen=True)
class Route:
    """A way into the body: the state a dose lands in and the factor that gets it there."""

    target: str
    factor: str = "1"


@dataclass(frozen=True)
class Agent:
    """A scenario agent. Doses add to a state; exposures set an intensity over a window."""

    name: str
    kind: AgentKind
    description: str
    routes: dict[str, Route] = field(default_factory=dict)
    default_route: str | None = None
    units: dict[str, str] = field(default_factory=dict)
    intensity_parameter: str | None = None


def _dose(name: str, description: str, routes: dict[str, Route], units: dict[str, str]) -> Agent:
    return Agent(name, "dose", description, routes, next(iter(routes)), units)


def _exposure(name: str, description: str, parameter: str) -> Agent:
    return Agent(name, "exposure", description, intensity_parameter=parameter)


AGENTS: dict[str, Agent] = {
    agent.name: agent
    for agent in (
        _dose("lps", "E. coli endotoxin (LPS) challenge",
              {"iv": Route("LPS", "pg_per_ng / plasma_volume_mL_per_kg")},
              {"ng/kg": "1", "ng": "1 / body_weight_kg"}),
        _dose("bacteria", "bacterial inoculum (extracellular, gram-negative-like)",
              {"inoculation": Route("BAC", "1 / bacteria_capacity_CFU")},
              {"CFU": "1"}),
        _dose("virus", "viral inoculum (respiratory-virus-like)",
              {"inoculation": Route("VIR", "1 / virus_capacity_PFU")},
              {"PFU": "1"}),
        _dose("ifn_alpha", "peginterferon alfa-2a",
              {"sc": Route("IFN_depot", "ifn_F"), "iv": Route("IFN", "1 / ifn_V_L")},
              {"ug": "1"}),
        _dose("hydrocortisone", "hydrocortisone (cortisol)",
              {"iv": Route("cortisol", "cortisol_nmol_per_mg / cortisol_V_L"),
               "oral": Route("HC_depot", "hc_F")},
              {"mg": "1", "mg/kg": "body_weight_kg"}),
        _dose("dexamethasone", "dexamethasone",
              {"oral": Route("DEX_depot", "dex_F"), "iv": Route("DEX", "ug_per_mg / dex_V_L")},
              {"mg": "1", "mg/kg": "body_weight_kg"}),
        _dose("infliximab", "infliximab (anti-TNF monoclonal antibody)",
              {"iv": Route("IFX", "1 / ifx_V_L")},
              {"mg/kg": "body_weight_kg", "mg": "1"}),
        _dose("tocilizumab", "tocilizumab (anti-IL-6 receptor monoclonal antibody)",
              {"iv": Route("TCZ", "1 / tcz_V_L")},
              {"mg/kg": "body_weight_kg", "mg": "1"}),
        _dose("sertraline", "sertraline (SSRI)",
              {"oral": Route("SER_depot", "ser_F")},
              {"mg": "1"}),
        _dose("paroxetine", "paroxetine (SSRI)",
              {"oral": Route("PAR_depot", "par_F")},
              {"mg": "1"}),
        _dose("antibiotic", "broad-spectrum oral antibiotic (amoxicillin-clavulanate-like)",
              {"oral": Route("ABX_depot", "abx_F"), "iv": Route("ABX", "1 / abx_V_L")},
              {"mg": "1", "g": "mg_per_g"}),
        _dose("probiotic", "multi-strain probiotic (Lactobacillus/Bifidobacterium)",
              {"oral": Route("PRO", "1 / probiotic_capacity_CFU")},
              {"CFU": "1"}),
        _dose("nsaid", "ibuprofen (non-selective COX inhibitor)",
              {"oral": Route("NSAID_depot", "nsaid_F")},
              {"mg": "1", "mg/kg": "body_weight_kg"}),
        _dose("epinephrine", "epinephrine (adrenaline), a beta2-adrenergic agonist on immune cells",
              {"iv": Route("EPI", "pg_per_ug / (epinephrine_V_mL_per_kg * body_weight_kg)")},
              {"ug/kg": "body_weight_kg", "ug": "1"}),
        _exposure("vns", "vagus nerve stimulation, intensity 0-1 of a full clinical setting",
                  "vns_intensity"),
        _exposure("stressor", "psychosocial stressor, intensity 0-1 (1 = Trier-like test)",
                  "stressor_intensity"),
        _exposure("stress_reduction", "stress-reduction practice, intensity 0-1 of full effect",
                  "stress_reduction_intensity"),
    )
}


def dose_targets() -> set[str]:
    """States that doses land in; each gets an infusion-rate input in composition."""
    return {route.target for agent in AGENTS.values() for route in agent.routes.values()}


def infusion_parameter(state: str) -> str:
    """Name of the input-rate parameter an infusion into ``state`` sets."""
    return f"{state}_infusion_rate"
