"""The gut-immune-brain axis as a picture: which part and which link is how active, when.

The diagram is data: nodes (a model quantity each, placed in a region) and links (an
influence of one node on another, carried by a model quantity, the *driver*, with a
sign). A node's or link's activity at a time is its quantity's fold change against a
reference at the same clock time (the HPA axis has a 24 h rhythm, so 02:00 is compared
with 02:00), on a log2 scale:

    activity = log2((value + floor) / (reference + floor))

``floor`` is the level below which a quantity counts as absent (no pathogen, no drug),
so a quantity that rests at zero gets a finite, meaningful fold change. The reference
is either a healthy person at rest (model defaults, no interventions) or the same
patient at rest (their own parameters, no interventions). The web page colours and
sizes the picture by activity; this module only computes it, so scripts get the same
numbers from ``POST /api/axis``.

Layout coordinates are in a 1000 x 620 box (the SVG viewBox of the page).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

Region = Literal["brain", "blood", "gut", "nerves"]

ACTIVITY_CLIP = 6.0
"""Reported activities are clipped to +-6 (64-fold): beyond that the picture cannot show
more, and a quantity appearing from nothing would otherwise read as infinite."""


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    symbol: str
    region: Region
    x: float
    y: float
    floor: float
    unit: str
    description: str


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    driver: str
    sign: Literal[1, -1]
    label: str
    floor: float
    bend: float = 0.0
    """Sideways offset (layout units) of the curve's control point; 0 draws a straight
    line. Positive bends to the left of the direction of travel."""

    @property
    def id(self) -> str:
        return f"{self.source}->{self.target}"


REGIONS: dict[Region, tuple[str, tuple[float, float, float, float], Literal["top", "bottom"]]] = {
    "brain": ("Brain", (10, 10, 735, 170), "top"),
    "blood": ("Blood and immune system", (10, 190, 735, 240), "top"),
    "gut": ("Gut", (10, 440, 735, 170), "top"),
    "nerves": ("Nerves and HPA axis", (755, 10, 235, 600), "bottom"),
}
"""Label, (x, y, width, height) and label corner of each region's band in the layout box."""

NODES: tuple[Node, ...] = (
    # brain
    Node("bbb", "BBB permeability", "BBB", "brain", 75, 140, 0.05, "relative to healthy",
         "blood-brain barrier permeability"),
    Node("brain_cyt", "brain cytokines", "brain_cyt", "brain", 205, 85, 0.05,
         "relative to healthy", "cytokines in brain parenchyma"),
    Node("microglia", "microglia", "microglia", "brain", 330, 140, 0.01, "fraction activated",
         "share of microglia in an activated state"),
    Node("sickness", "sickness", "sickness", "brain", 520, 45, 0.02, "0-1",
         "acute sickness behaviour (fatigue, malaise, withdrawal)"),
    Node("serotonin", "serotonin", "serotonin", "brain", 470, 140, 0.05,
         "relative to healthy", "extracellular brain serotonin"),
    Node("depressive_load", "depressive load", "depressive_load", "brain", 685, 140, 0.02,
         "0-1", "slow depressive process behind mood and HAM-D"),
    # blood and immune system
    Node("pamp", "pathogen / LPS", "pamp", "blood", 75, 250, 0.1, "pg/mL LPS-equivalents",
         "pathogen-associated molecular patterns: plasma LPS plus bacteria and virus"),
    Node("monocytes", "monocytes", "MA", "blood", 215, 250, 1e-3, "fraction of pool",
         "activated monocytes and macrophages"),
    Node("tnf", "TNF-\u03b1", "TNF", "blood", 600, 250, 1.0, "pg/mL", "plasma TNF-alpha"),
    Node("il6", "IL-6", "IL6", "blood", 600, 370, 1.0, "pg/mL", "plasma IL-6"),
    Node("ido", "IDO (Trp\u2192Kyn)", "IDO_activity", "blood", 470, 280, 0.05,
         "relative to healthy", "indoleamine 2,3-dioxygenase: tryptophan shunted to kynurenine"),
    Node("teff", "effector T", "Teff", "blood", 345, 405, 0.05, "relative to healthy",
         "effector (Th17-like) T cells"),
    Node("treg", "regulatory T", "Treg", "blood", 215, 405, 0.05, "relative to healthy",
         "regulatory T cells"),
    # gut
    Node("lps_leak", "LPS leak", "LPS_translocation", "gut", 75, 480, 0.05, "pg/mL/h",
         "endotoxin entering plasma through the gut barrier"),
    Node("gut_perm", "gut permeability", "gut_perm", "gut", 215, 530, 0.05,
         "relative to healthy", "intestinal barrier permeability (leaky gut)"),
    Node("pathobionts", "pathobionts", "PB", "gut", 75, 575, 0.05, "relative to healthy",
         "pathobiont biomass (e.g. Enterobacteriaceae)"),
    Node("commensals", "commensals", "COM", "gut", 345, 575, 0.05, "relative to healthy",
         "commensal biomass"),
    Node("scfa", "SCFA", "SCFA", "gut", 470, 520, 0.05, "relative to healthy",
         "short-chain fatty acids from fermentation"),
    Node("vagal_gut", "gut\u2192brain vagal", "vagal_gut", "gut", 685, 520, 0.05,
         "relative to healthy", "gut-to-brain vagal signalling (gut serotonin, SCFA, probiotics)"),
    # nerves and HPA axis
    Node("stress", "stress", "stress_level", "nerves", 830, 40, 0.05, "0-1 (1 = Trier test)",
         "perceived psychosocial stress"),
    Node("crh", "CRH", "CRH", "nerves", 830, 125, 0.05, "relative to morning peak",
         "hypothalamic CRH release"),
    Node("cortisol", "cortisol", "cortisol", "nerves", 830, 215, 10.0, "nmol/L",
         "plasma cortisol"),
    Node("vagal_afferent", "vagal afferent", "vagal_afferent", "nerves", 830, 315, 0.02, "0-1",
         "vagal sensing of peripheral cytokines"),
    Node("vagal_efferent", "vagal efferent", "vagal_efferent", "nerves", 830, 425, 0.05,
         "relative to rest", "vagal cholinergic outflow (inflammatory reflex, VNS)"),
    Node("sns", "sympathetic", "SNS", "nerves", 830, 535, 0.05, "relative to rest",
         "sympathetic (noradrenergic) outflow"),
)

LINKS: tuple[Link, ...] = (
    Link("commensals", "scfa", "COM", 1, "fermentation", 0.05),
    Link("scfa", "gut_perm", "SCFA", -1, "barrier support", 0.05),
    Link("pathobionts", "gut_perm", "PB", 1, "barrier damage", 0.05),
    Link("gut_perm", "lps_leak", "gut_perm", 1, "leak", 0.05),
    Link("lps_leak", "pamp", "LPS_translocation", 1, "endotoxin into plasma", 0.05),
    Link("pamp", "monocytes", "monocyte_activation", 1, "TLR activation", 0.005),
    Link("monocytes", "tnf", "MA", 1, "TNF release", 1e-3),
    Link("monocytes", "il6", "MA", 1, "IL-6 release", 1e-3),
    Link("tnf", "il6", "TNF", 1, "induction", 1.0),
    Link("tnf", "gut_perm", "TNF", 1, "barrier damage", 1.0, bend=-120),
    Link("scfa", "treg", "SCFA", 1, "Treg induction", 0.05),
    Link("treg", "teff", "Treg", -1, "suppression", 0.05),
    Link("teff", "il6", "effector_excess", 1, "effector cytokines", 0.1),
    Link("il6", "ido", "il6_signal", 1, "IDO induction", 1.0),
    Link("ido", "serotonin", "IDO_activity", -1, "tryptophan shunt", 0.05),
    Link("tnf", "bbb", "TNF", 1, "barrier opening", 1.0),
    Link("bbb", "brain_cyt", "cytokine_transport", 1, "cytokine transport", 0.005),
    Link("brain_cyt", "microglia", "microglia_stimulus", 1, "activation", 0.01),
    Link("microglia", "serotonin", "microglia", -1, "SERT up-regulation", 0.01),
    Link("brain_cyt", "sickness", "sickness_drive", 1, "sickness behaviour", 0.02),
    Link("serotonin", "depressive_load", "serotonin", -1, "serotonergic tone", 0.05),
    Link("vagal_gut", "depressive_load", "vagal_gut", -1, "gut-brain signalling", 0.05),
    Link("scfa", "vagal_gut", "SCFA", 1, "vagal signalling", 0.05),
    Link("tnf", "vagal_afferent", "vagal_afferent", 1, "vagal sensing", 0.02),
    Link("vagal_afferent", "sickness", "vagal_afferent", 1, "fast route to brain", 0.02,
         bend=-60),
    Link("vagal_afferent", "crh", "vagal_afferent", 1, "HPA activation", 0.02, bend=150),
    Link("vagal_afferent", "vagal_efferent", "vagal_afferent", 1, "inflammatory reflex", 0.02),
    Link("il6", "crh", "immune_hpa_drive", 1, "cytokine drive", 0.05),
    Link("stress", "crh", "stress_level", 1, "stress drive", 0.05),
    Link("stress", "sns", "stress_level", 1, "stress drive", 0.05, bend=-300),
    Link("stress", "vagal_efferent", "stress_level", -1, "vagal withdrawal", 0.05, bend=-250),
    Link("crh", "cortisol", "CRH", 1, "ACTH, adrenal", 0.05),
    Link("cortisol", "crh", "glucocorticoid", -1, "feedback", 10.0),
    Link("cortisol", "tnf", "glucocorticoid", -1, "glucocorticoid restraint", 10.0),
    Link("vagal_efferent", "tnf", "vagal_efferent", -1, "cholinergic brake", 0.05),
    Link("sns", "tnf", "SNS", -1, "adrenergic brake", 0.05),
)

NODE_BY_ID: dict[str, Node] = {node.id: node for node in NODES}


def axis_symbols() -> tuple[str, ...]:
    """Every model quantity the diagram reads (nodes and link drivers), without repeats."""
    return tuple(dict.fromkeys([n.symbol for n in NODES] + [link.driver for link in LINKS]))


def fold_activity(value: float, reference: float, floor: float) -> float:
    """log2 fold change of ``value`` over ``reference``, both lifted by ``floor``, clipped."""
    if not (math.isfinite(value) and math.isfinite(reference)):
        return 0.0
    ratio = (max(value, 0.0) + floor) / (max(reference, 0.0) + floor)
    return float(np.clip(math.log2(ratio), -ACTIVITY_CLIP, ACTIVITY_CLIP))


def axis_state(values: Mapping[str, float], reference: Mapping[str, float]) -> dict[str, list]:
    """Nodes and links with their value, reference value and activity (see module doc)."""

    def number(x: float) -> float | None:
        return float(x) if math.isfinite(x) else None

    nodes = []
    for node in NODES:
        value, ref = values[node.symbol], reference[node.symbol]
        nodes.append({
            "id": node.id, "label": node.label, "symbol": node.symbol, "region": node.region,
            "x": node.x, "y": node.y, "unit": node.unit, "description": node.description,
            "value": number(value), "reference": number(ref),
            "activity": fold_activity(value, ref, node.floor),
        })
    links = []
    for link in LINKS:
        value, ref = values[link.driver], reference[link.driver]
        links.append({
            "id": link.id, "source": link.source, "target": link.target, "sign": link.sign,
            "label": link.label, "driver": link.driver, "bend": link.bend,
            "value": number(value), "reference": number(ref),
            "activity": fold_activity(value, ref, link.floor),
        })
    return {"nodes": nodes, "links": links}


def regions() -> list[dict]:
    return [{"id": key, "label": label, "x": x, "y": y, "width": w, "height": h,
             "label_at": corner}
            for key, (label, (x, y, w, h), corner) in REGIONS.items()]
