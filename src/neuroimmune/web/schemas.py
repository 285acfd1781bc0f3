"""Request and response bodies of the HTTP API, as pydantic models (they make /openapi.json).

Pydantic checks the envelope (types, required keys, finite numbers); the scenario
inside is checked by the scenario linter (``validation.py``), the one place that knows
what a valid scenario is, so the API and ``neuroimmune lint`` never disagree.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from neuroimmune.model.agents import AGENTS
from neuroimmune.observables import OBSERVABLE_NAMES
from neuroimmune.scenarios.lint import INTERVENTION_KEYS

FiniteFloat = Annotated[float, Field(strict=True, allow_inf_nan=False)]
"""A JSON number: not a string, not a boolean, not NaN or infinity."""

_NUMBER = {"type": "number"}
SCENARIO_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Scenario",
    "description": "A scenario with the keys of a scenario TOML file (see README). It is "
                   "checked by the scenario linter; problems come back as 422 with the field "
                   "named, e.g. scenario.intervention[0].amount.",
    "required": ["name", "duration_h"],
    "properties": {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "duration_h": _NUMBER,
        "clock_start_h": _NUMBER,
        "output_step_h": _NUMBER,
        "patient": {"type": "object", "additionalProperties": _NUMBER,
                    "description": "parameter overrides, each within its plausible range "
                                   "(GET /api/parameters)"},
        "intervention": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["agent"],
                "properties": {
                    key: ({"type": "string", "enum": list(AGENTS)} if key == "agent"
                          else {"type": "string"} if key in ("unit", "route") else _NUMBER)
                    for key in INTERVENTION_KEYS
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
    "example": {
        "name": "Endotoxin challenge, 2 ng/kg", "duration_h": 24, "clock_start_h": 8,
        "patient": {"baseline_stress": 0.3},
        "intervention": [{"agent": "lps", "amount": 2.0, "unit": "ng/kg", "at_h": 0}],
    },
}

ScenarioBody = Annotated[
    Any,  # a table or a name: checked by the app, which names the problem in one message
    WithJsonSchema({"anyOf": [SCENARIO_SCHEMA, {
        "type": "string", "description": "the name of a built-in scenario (GET /api/scenarios)",
        "example": "lps_2ngkg"}]}),
]

Overrides = Annotated[
    dict[str, FiniteFloat],
    Field(description="Patient parameter overrides on top of the scenario's [patient] table, "
                      "each within its plausible range (GET /api/parameters).",
          examples=[{"baseline_stress": 0.5}]),
]


class SimulateRequest(BaseModel):
    """A scenario to simulate, with optional overrides and a choice of observables."""

    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioBody
    overrides: Overrides = Field(default_factory=dict)
    observables: list[str] | None = Field(
        default=None, max_length=len(OBSERVABLE_NAMES),
        description="Observables to return (GET /api/observables); all when left out.",
        examples=[["TNF_pg_mL", "cortisol_nmol_L", "hamd"]])


class AxisRequest(BaseModel):
    """A scenario and a time: how active each part of the axis is then."""

    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioBody
    overrides: Overrides = Field(default_factory=dict)
    time_h: FiniteFloat = Field(description="Hours since the start of the run, within "
                                            "[0, duration_h].", examples=[2.0])
    reference: Literal["healthy", "patient"] = Field(
        default="healthy",
        description="Compare with a healthy person at rest (model defaults) or with this "
                    "patient at rest (same parameters, no interventions), at the same clock "
                    "time.")


class ImportTomlRequest(BaseModel):
    """Scenario file text, as a user would upload it."""

    model_config = ConfigDict(extra="forbid")

    toml: str = Field(description="The text of a scenario TOML file.",
                      examples=['name = "x"\nduration_h = 24\n'])


# --- responses (documentation of what the endpoints return) ------------------------------


class ProblemItem(BaseModel):
    loc: list[str | int] = Field(description="Where, as location parts (FastAPI style).")
    field: str = Field(description="Where, as a dotted path, e.g. scenario.duration_h.")
    msg: str = Field(description="What is wrong and how to fix it.")
    type: str


class ProblemResponse(BaseModel):
    detail: list[ProblemItem]


class MessageResponse(BaseModel):
    detail: str


class Series(BaseModel):
    name: str
    unit: str
    group: str
    description: str
    values: list[float | None] = Field(description="Aligned with time_h; null where the "
                                                   "solver returned no finite number.")


class Mark(BaseModel):
    agent: str
    start_h: float
    end_h: float | None = Field(description="null for a bolus, else the end of the window.")


class SimulateResponse(BaseModel):
    scenario: dict[str, Any] = Field(description="The validated scenario as simulated.")
    overrides: dict[str, float]
    time_h: list[float]
    observables: list[Series]
    interventions: list[Mark]
    cached: bool = Field(description="Served from the run cache.")
    elapsed_ms: float


class AxisNode(BaseModel):
    id: str
    label: str
    symbol: str = Field(description="The model quantity shown.")
    region: str
    x: float
    y: float
    unit: str
    description: str
    value: float | None
    reference: float | None
    activity: float = Field(description="log2 fold change against the reference, "
                                        "clipped to +-6.")


class AxisLink(BaseModel):
    id: str
    source: str
    target: str
    sign: Literal[1, -1] = Field(description="1 stimulates, -1 inhibits.")
    label: str
    driver: str = Field(description="The model quantity that carries the influence.")
    bend: float = Field(description="Layout: sideways offset of the curve (0 = straight).")
    value: float | None
    reference: float | None
    activity: float


class AxisRegion(BaseModel):
    id: str
    label: str
    x: float
    y: float
    width: float
    height: float
    label_at: Literal["top", "bottom"]


class AxisResponse(BaseModel):
    time_h: float
    clock_h: float = Field(description="Clock time of day at time_h, hours after midnight.")
    reference: str
    regions: list[AxisRegion]
    nodes: list[AxisNode]
    links: list[AxisLink]


class ScenarioEntry(BaseModel):
    name: str
    title: str
    description: str
    duration_h: float


class ScenarioDetail(BaseModel):
    name: str
    scenario: dict[str, Any]
    toml: str


class ParameterEntry(BaseModel):
    name: str
    value: float
    unit: str
    low: float
    high: float
    source: str
    description: str
    subsystem: str


class ParametersResponse(BaseModel):
    parameters: list[ParameterEntry]
    patient: list[str] = Field(description="Patient-level parameters the page offers as "
                                           "sliders.")


class ObservableEntry(BaseModel):
    name: str
    unit: str
    group: str
    description: str


class AgentEntry(BaseModel):
    name: str
    kind: Literal["dose", "exposure"]
    description: str
    units: list[str]
    routes: list[str]
    default_route: str | None


class ImportTomlResponse(BaseModel):
    scenario: dict[str, Any]


class HealthResponse(BaseModel):
    status: str
    engines_ready: int
    version: str
