"""The web dashboard's server: the HTTP API (documented at /docs) and the page that uses it.

A thin layer over the Python API: scenarios are checked by the scenario linter,
simulated by ``neuroimmune.simulate`` on worker engines (``service.py``), exported with
``scenario_to_toml`` and ``resting_sbml``. Bad input of any kind is answered with a
4xx that names the field; the server never runs code from a request and never reads a
file a request names (built-in scenarios are looked up in a fixed catalogue).
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import logging
import math
import re
import time
import tomllib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import orjson
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from neuroimmune import __version__
from neuroimmune.engines.base import Engine, SimulationError
from neuroimmune.model.agents import AGENTS
from neuroimmune.model.compose import compose
from neuroimmune.observables import BY_NAME, OBSERVABLES
from neuroimmune.plotting.interventions import intervention_marks
from neuroimmune.scenarios import Scenario, scenario_to_toml
from neuroimmune.scenarios.loader import BUILTIN_DIR
from neuroimmune.web import schemas
from neuroimmune.web.axis import axis_state, axis_symbols, regions
from neuroimmune.web.limits import WebLimits
from neuroimmune.web.middleware import RequestGuard
from neuroimmune.web.service import (
    ServiceBusy,
    SimulationService,
    SimulationTimeout,
    canonical_key,
)
from neuroimmune.web.validation import (
    FieldProblem,
    InvalidRequest,
    checked_observables,
    checked_overrides,
    checked_scenario,
    scenario_to_dict,
)

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")

PATIENT_SLIDERS = ("baseline_stress", "microbiome_health", "baseline_inflammation",
                   "autoreactivity", "depression_vulnerability", "body_weight_kg")
"""Patient-level parameters the page offers as sliders (GET /api/parameters)."""

RETRY_AFTER_S = 5

SIGNIFICANT_DIGITS = 7
"""Time courses go out rounded to 7 significant digits: beyond the solver's relative
tolerance (1e-6), and it halves the JSON (the CSV export keeps 10)."""

TIME_DIGITS = 9
"""Output times to 9 digits: 0.3 rather than 0.30000000000000004, exact to 1e-5 h at 16 weeks."""

_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": schemas.MessageResponse, "description": "Request body too large"},
    415: {"model": schemas.MessageResponse, "description": "Body is not JSON"},
    422: {"model": schemas.ProblemResponse, "description": "Invalid input; each problem "
                                                           "names its field"},
    503: {"model": schemas.MessageResponse, "description": "All simulation workers busy; "
                                                           "retry after Retry-After seconds"},
    504: {"model": schemas.MessageResponse, "description": "The simulation exceeded its "
                                                           "time limit"},
}

DESCRIPTION = """\
Simulate the gut-immune-brain axis over HTTP: the same model, scenarios and linter as the
`neuroimmune` command line and Python API. Scenarios are JSON objects with the keys of a
scenario TOML file (or the name of a built-in scenario). Every input is checked; problems
come back as **422** with the field named (`scenario.intervention[0].amount`). Limits per
request: duration, output points, administrations, body size and a time limit per
simulation (see `docs/dashboard.md`).
"""


def create_app(limits: WebLimits | None = None, *,
               allowed_hosts: Sequence[str] | None = None,
               engine_factory: Callable[[], Engine] | None = None,
               warm_up: bool = True) -> FastAPI:
    """The dashboard app. ``allowed_hosts`` restricts the Host header (None: any host);
    ``engine_factory`` makes one engine per worker (default: ``RoadRunnerEngine``)."""
    limits = limits or WebLimits()
    if engine_factory is None:
        from neuroimmune.engines.roadrunner_engine import RoadRunnerEngine

        engine_factory = RoadRunnerEngine
    service = SimulationService(limits, engine_factory)
    catalogue = _catalogue()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(service.warm_up()) if warm_up else None
        yield
        if task is not None:
            task.cancel()
        service.close()

    app = FastAPI(title="neuroimmune", version=__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.service = service
    app.state.limits = limits
    app.add_middleware(RequestGuard, max_body_bytes=limits.max_body_bytes)
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    _add_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    def resolve(body: Any, prefix: str = "scenario") -> Scenario:
        if isinstance(body, str):
            if body not in catalogue:
                close = difflib.get_close_matches(body, list(catalogue), n=3)
                hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
                raise InvalidRequest([FieldProblem(prefix, f"{body[:60]!r} is not a built-in "
                                                           f"scenario; {hint}GET /api/scenarios "
                                                           "lists them")])
            body = catalogue[body]["data"]
        elif not isinstance(body, dict):
            raise InvalidRequest([FieldProblem(prefix, "must be a scenario (an object with the "
                                                       "keys of a scenario TOML file) or the name "
                                                       "of a built-in scenario")])
        return checked_scenario(body, limits, prefix)

    def request_inputs(scenario_body: Any, overrides: Mapping[str, float]
                       ) -> tuple[Scenario, dict[str, float]]:
        """Scenario and overrides, with the problems of both reported together."""
        problems: list[FieldProblem] = []
        scenario = checked = None
        try:
            scenario = resolve(scenario_body)
        except InvalidRequest as error:
            problems += error.problems
        try:
            checked = checked_overrides(overrides)
        except InvalidRequest as error:
            problems += error.problems
        if problems:
            raise InvalidRequest(problems)
        assert scenario is not None and checked is not None
        return scenario, checked

    # --- page and docs -------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="neuroimmune API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
            swagger_ui_parameters={"validatorUrl": None, "defaultModelsExpandDepth": 0})

    # --- catalogue -----------------------------------------------------------------------

    @app.get("/api/health", summary="Service status", response_model=schemas.HealthResponse, tags=["service"])
    async def health() -> dict[str, Any]:
        """Whether the server is up, and how many simulation engines are compiled."""
        return {"status": "ok", "engines_ready": service.engines_ready, "version": __version__}

    @app.get("/api/scenarios", summary="List the built-in scenarios",
             response_model=list[schemas.ScenarioEntry], tags=["catalogue"])
    async def scenarios() -> list[dict[str, Any]]:
        """The built-in scenarios."""
        return [{"name": name, "title": entry["data"].get("name", name),
                 "description": entry["data"].get("description", ""),
                 "duration_h": entry["data"]["duration_h"]}
                for name, entry in catalogue.items()]

    @app.get("/api/scenarios/{name}", summary="One built-in scenario", response_model=schemas.ScenarioDetail,
             responses={404: {"model": schemas.MessageResponse}}, tags=["catalogue"])
    async def scenario_detail(name: str) -> dict[str, Any]:
        """One built-in scenario, as JSON (the body /api/simulate takes) and as TOML text."""
        if name not in catalogue:
            close = difflib.get_close_matches(name, list(catalogue), n=3)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise HTTPException(404, f"no built-in scenario {name[:60]!r}{hint}")
        scenario = checked_scenario(catalogue[name]["data"], WebLimits(max_duration_h=math.inf))
        return {"name": name, "scenario": scenario_to_dict(scenario), "toml": catalogue[name]["text"]}

    @app.get("/api/parameters", summary="Model parameters", response_model=schemas.ParametersResponse,
             tags=["catalogue"])
    async def parameters() -> dict[str, Any]:
        """Every model parameter with value, unit, plausible range and source."""
        entries = [{"name": p.name, "value": p.value, "unit": p.unit, "low": p.low,
                    "high": p.high, "source": p.source, "description": p.description,
                    "subsystem": p.subsystem}
                   for p in compose().parameters.values()
                   if not p.source.startswith("scenario input")]
        return {"parameters": entries, "patient": list(PATIENT_SLIDERS)}

    @app.get("/api/observables", summary="Observables", response_model=list[schemas.ObservableEntry],
             tags=["catalogue"])
    async def observables() -> list[dict[str, str]]:
        """The observables (time courses) with units and subsystem group."""
        return [{"name": o.name, "unit": o.unit, "group": o.group, "description": o.description}
                for o in OBSERVABLES]

    @app.get("/api/agents", summary="Intervention agents", response_model=list[schemas.AgentEntry],
             tags=["catalogue"])
    async def agents() -> list[dict[str, Any]]:
        """Intervention agents: kind (dose or exposure), units and routes."""
        return [{"name": a.name, "kind": a.kind, "description": a.description,
                 "units": list(a.units), "routes": list(a.routes),
                 "default_route": a.default_route} for a in AGENTS.values()]

    # --- simulation ----------------------------------------------------------------------

    @app.post("/api/simulate", summary="Simulate a scenario", response_model=schemas.SimulateResponse,
              responses=_ERRORS, tags=["simulate"])
    async def api_simulate(body: schemas.SimulateRequest) -> Response:
        """Simulate a scenario; time courses of the observables (all, or those named)."""
        started = time.perf_counter()
        scenario, overrides, names = _simulate_inputs(body)
        run = await service.simulate(scenario, overrides)

        def encode() -> bytes:
            result = run.value
            rows = rounded(np.stack([result.values[n] for n in names]))
            return orjson.dumps({
                "scenario": scenario_to_dict(scenario),
                "overrides": overrides,
                "time_h": rounded(result.time_h, TIME_DIGITS),
                "observables": [{"name": n, "unit": BY_NAME[n].unit, "group": BY_NAME[n].group,
                                 "description": BY_NAME[n].description, "values": rows[i]}
                                for i, n in enumerate(names)],
                "interventions": [m._asdict() for m in intervention_marks(scenario)],
            }, option=orjson.OPT_SERIALIZE_NUMPY)

        # The time courses are encoded once per distinct request and kept beside the run.
        key = ("json", canonical_key("simulate", scenario, overrides), names)
        encoded = service.memo(key, encode)
        elapsed = round((time.perf_counter() - started) * 1000, 3)
        head = f'{{"cached":{"true" if run.cached else "false"},"elapsed_ms":{elapsed},'
        return Response(head.encode() + encoded[1:], media_type="application/json")

    def _simulate_inputs(body: schemas.SimulateRequest
                         ) -> tuple[Scenario, dict[str, float], tuple[str, ...]]:
        problems: list[FieldProblem] = []
        try:
            names = checked_observables(body.observables)
        except InvalidRequest as error:
            problems += error.problems
        try:
            scenario, overrides = request_inputs(body.scenario, body.overrides)
        except InvalidRequest as error:
            raise InvalidRequest(error.problems + problems) from None
        if problems:
            raise InvalidRequest(problems)
        return scenario, overrides, names

    @app.post("/api/axis", summary="Axis activity at a time", response_model=schemas.AxisResponse,
              responses=_ERRORS, tags=["simulate"])
    async def api_axis(body: schemas.AxisRequest) -> Response:
        """How active each part and each link of the gut-immune-brain axis is at ``time_h``.

        Activity is the log2 fold change of the quantity behind a node or link against
        the reference at the same clock time (see docs/dashboard.md).
        """
        scenario, overrides = request_inputs(body.scenario, body.overrides)
        if not 0.0 <= body.time_h <= scenario.duration_h:
            raise InvalidRequest([FieldProblem("time_h", f"must be within [0, "
                                                         f"{scenario.duration_h:g}] h, the run "
                                                         "of the scenario")])
        series = await service.axis_series(scenario, overrides)
        reference_parameters = {"clock_start_h": scenario.clock_start_h}
        if body.reference == "patient":
            reference_parameters = {**scenario.patient, **overrides, **reference_parameters}
        day = await service.reference_day(reference_parameters)
        t = body.time_h
        values = {s: float(np.interp(t, series["time_h"], series[s])) for s in axis_symbols()}
        reference = {s: float(np.interp(t % 24.0, day["time_h"], day[s]))
                     for s in axis_symbols()}
        payload = {"time_h": t, "clock_h": (scenario.clock_start_h + t) % 24.0,
                   "reference": body.reference, "regions": regions(),
                   **axis_state(values, reference)}
        return _json(payload)

    # --- exports -------------------------------------------------------------------------

    @app.post("/api/export/csv", summary="Time courses as CSV",
              responses={200: {"content": {"text/csv": {}}}, **_ERRORS}, response_class=Response,
              tags=["export"])
    async def export_csv(body: schemas.SimulateRequest) -> Response:
        """The time courses as CSV (the columns of `neuroimmune run`'s timecourse.csv)."""
        scenario, overrides, names = _simulate_inputs(body)
        result = (await service.simulate(scenario, overrides)).value
        frame = result.to_pandas()[["time_h", *names]]
        text = frame.to_csv(index=False, float_format="%.10g")
        return _attachment(text, "text/csv", f"{_slug(scenario.name)}.csv")

    @app.post("/api/export/toml", summary="Scenario as TOML",
              responses={200: {"content": {"application/toml": {}}}, **_ERRORS}, response_class=Response,
              tags=["export"])
    async def export_toml(body: schemas.SimulateRequest) -> Response:
        """The scenario as a TOML file, overrides folded into its [patient] table."""
        scenario, overrides = request_inputs(body.scenario, body.overrides)
        if overrides:
            scenario = replace(scenario, patient={**scenario.patient, **overrides})
        return _attachment(scenario_to_toml(scenario), "application/toml",
                           f"{_slug(scenario.name)}.toml")

    @app.post("/api/export/{fmt}", include_in_schema=False)
    async def export_unknown(fmt: str) -> Response:
        raise InvalidRequest([FieldProblem("format", f"{fmt[:40]!r} is not an export format; "
                                                     "use /api/export/csv or /api/export/toml "
                                                     "(the model: GET /api/model.sbml)")])

    @app.get("/api/model.sbml", summary="The model as SBML",
             responses={200: {"content": {"application/xml": {}}}, **_ERRORS}, response_class=Response,
             tags=["export"])
    async def model_sbml(
        request: Request,
        clock_start_h: Annotated[float, Query(ge=0.0, lt=24.0, allow_inf_nan=False,
                                              description="Clock time that model time 0 "
                                                          "stands for.")] = 8.0,
    ) -> Response:
        """The composed model as SBML Level 3, starting at the patient's resting state.

        Any other query parameter is a patient parameter override, e.g.
        ``/api/model.sbml?baseline_stress=0.3``.
        """
        overrides = _query_overrides(request)
        from neuroimmune.sbml_export import resting_sbml

        def job(engine: Engine) -> str:
            return resting_sbml(overrides, clock_start_h, engine=engine)

        key = canonical_key("sbml", None, overrides, clock_start_h=clock_start_h)
        text = await service.run(job, key)
        return _attachment(text, "application/xml", "neuroimmune.sbml")

    @app.post("/api/import/toml", summary="Read a scenario file", response_model=schemas.ImportTomlResponse,
              responses=_ERRORS, tags=["export"])
    async def import_toml(body: schemas.ImportTomlRequest) -> dict[str, Any]:
        """Read scenario file text (an upload) into the JSON scenario the API takes."""
        try:
            data = tomllib.loads(body.toml)
        except tomllib.TOMLDecodeError as error:
            raise InvalidRequest([FieldProblem("toml", f"TOML syntax error: {error}; check "
                                                       "quotes, '=' between key and value, and "
                                                       "[[intervention]] headers")]) from None
        return {"scenario": scenario_to_dict(checked_scenario(data, limits, "toml"))}

    return app


# --- helpers -----------------------------------------------------------------------------


def _catalogue() -> dict[str, dict[str, Any]]:
    """The built-in scenarios, read once: name -> parsed table and file text."""
    entries = {}
    for path in sorted(BUILTIN_DIR.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        entries[path.stem] = {"data": tomllib.loads(text), "text": text}
    return entries


def _query_overrides(request: Request) -> dict[str, float]:
    problems = []
    values: dict[str, float] = {}
    for name, text in request.query_params.multi_items():
        if name == "clock_start_h":
            continue
        where = f"query.{name}"
        try:
            number = float(text)
        except ValueError:
            problems.append(FieldProblem(where, f"{text[:40]!r} is not a number"))
            continue
        if not math.isfinite(number):
            problems.append(FieldProblem(where, f"{text[:40]!r} is not a finite number"))
        elif name in values:
            problems.append(FieldProblem(where, "given twice; give each parameter once"))
        else:
            values[name] = number
    if problems:
        raise InvalidRequest(problems)
    try:
        return checked_overrides(values)
    except InvalidRequest as error:
        raise InvalidRequest(FieldProblem("query" + p.field.removeprefix("overrides"), p.message)
                             for p in error.problems) from None


def rounded(values: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """A copy of ``values`` rounded to ``digits`` significant digits (NaN and inf kept)."""
    array = np.array(values, dtype=float)
    nonzero = np.isfinite(array) & (array != 0.0)
    magnitude = np.floor(np.log10(np.abs(array[nonzero])))
    with np.errstate(over="ignore"):
        scale = 10.0 ** (digits - 1 - magnitude)
        scaled = array[nonzero] * scale
    usable = np.isfinite(scale) & np.isfinite(scaled)  # sub-normal dust stays as it is
    array[nonzero] = np.where(usable, np.round(scaled) / np.where(usable, scale, 1.0),
                              array[nonzero])
    return array


def _json(payload: Any, status: int = 200) -> Response:
    """JSON via orjson: numpy arrays as lists, NaN and infinity as null."""
    body = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, status_code=status, media_type="application/json")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _slug(name: str) -> str:
    return _UNSAFE.sub("_", name).strip("_.")[:60] or "scenario"


def _attachment(text: str, media_type: str, filename: str) -> Response:
    return Response(text, media_type=media_type,
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


def _field(loc: Sequence[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _problems(items: Sequence[dict[str, Any]], status: int = 422) -> JSONResponse:
    return JSONResponse({"detail": list(items)}, status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InvalidRequest)
    async def invalid(_: Request, error: InvalidRequest) -> JSONResponse:
        return _problems([{"loc": p.loc, "field": p.field, "msg": p.message,
                           "type": "value_error"} for p in error.problems])

    @app.exception_handler(RequestValidationError)
    async def malformed(_: Request, error: RequestValidationError) -> JSONResponse:
        items = []
        for item in error.errors():
            loc = [part if isinstance(part, int | str) else str(part) for part in item["loc"]]
            message, field = item.get("msg", "invalid"), _field(loc) or "body"
            if item.get("type") == "json_invalid":
                reason = (item.get("ctx") or {}).get("error", "")
                message = f"is not valid JSON: {reason} at character {loc[-1]}"
                field = "body"
            items.append({"loc": loc, "field": field, "msg": message,
                          "type": item.get("type", "value_error")})
        return _problems(items)

    @app.exception_handler(SimulationError)
    async def solver_failed(_: Request, error: SimulationError) -> JSONResponse:
        return _problems([{"loc": ["body", "scenario"], "field": "scenario",
                           "msg": str(error), "type": "simulation_error"}])

    @app.exception_handler(ServiceBusy)
    async def busy(_: Request, error: ServiceBusy) -> JSONResponse:
        return JSONResponse({"detail": f"server busy: {error}; retry in {RETRY_AFTER_S} s"},
                            status_code=503, headers={"retry-after": str(RETRY_AFTER_S)})

    @app.exception_handler(SimulationTimeout)
    async def timed_out(_: Request, error: SimulationTimeout) -> JSONResponse:
        return JSONResponse({"detail": f"{error}; shorten the scenario or reduce its doses"},
                            status_code=504)

    @app.exception_handler(Exception)
    async def internal(_: Request, error: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=error)
        return JSONResponse({"detail": "internal error; the server log has the details"},
                            status_code=500)
